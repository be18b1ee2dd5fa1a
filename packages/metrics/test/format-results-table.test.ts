import { describe, expect, it } from 'vitest';
import { formatResultsTable, MmauxMetricsError, type ResultRow } from '../src/index.js';

const rows: ResultRow[] = [
  { model: 'Ber-ViT-Att', setting: 'base', seeds: [0.6, 0.61, 0.62] },
  { model: 'Ber-ViT-Att', setting: '+C', seeds: [0.615, 0.625, 0.635], pValueVsBase: 0.2 },
  { model: 'Ber-ViT-Att', setting: '+M', seeds: [0.62, 0.62, 0.62], pValueVsBase: 0.04 },
  { model: 'Ber-ViT-Att', setting: '+C+M', seeds: [0.63, 0.64, 0.65], pValueVsBase: 0.001 },
  { model: 'LXMERT', setting: 'base', seeds: [0.7, 0.72], pValueVsBase: 0.001 },
  { model: 'LXMERT', setting: '+M', seeds: [0.69, 0.71], pValueVsBase: 0.5 },
  { model: 'LXMERT', setting: '+C+M', seeds: [0.7, 0.72], pValueVsBase: 0.9 },
];

describe('formatResultsTable', () => {
  const t = formatResultsTable(rows, { metric: 'Macro-F1' });

  it('Markdown in the paper layout: mean ± std, best per row bold (ties too), † where p < 0.05, – for a missing cell', () => {
    expect(t.markdown).toBe(
      [
        '| Model | base | +C | +M | +C+M |',
        '| --- | ---: | ---: | ---: | ---: |',
        '| Ber-ViT-Att | 61.0 ± 1.0 | 62.5 ± 1.0 | 62.0 ± 0.0† | **64.0 ± 1.0**† |',
        '| LXMERT | **71.0 ± 1.4** | – | 70.0 ± 1.4 | **71.0 ± 1.4** |',
        '',
        'Macro-F1 (%), mean ± std over seeds; best per row in bold; † p < 0.05 against base (paired test).',
        '',
      ].join('\n'),
    );
  });

  it('CSV with the same grid (no bold, empty missing cells) and the footnote apart', () => {
    expect(t.csv).toBe(
      [
        'Model,base,+C,+M,+C+M',
        'Ber-ViT-Att,61.0 ± 1.0,62.5 ± 1.0,62.0 ± 0.0†,64.0 ± 1.0†',
        'LXMERT,71.0 ± 1.4,,70.0 ± 1.4,71.0 ± 1.4',
        '',
      ].join('\n'),
    );
    expect(t.footnote).toBe('Macro-F1 (%), mean ± std over seeds; best per row in bold; † p < 0.05 against base (paired test).');
  });

  it('options: two decimals, raw values, alpha, marker, baseline, columns; quoting and escaping', () => {
    const u = formatResultsTable(
      [
        { model: 'MMBT, large | v2', setting: '+C+M', seeds: [1.5, 2.5], pValueVsBase: 0.08 },
        { model: 'MMBT, large | v2', setting: 'base', seeds: [1, 1] },
      ],
      { metric: 'Loss', decimals: 2, percent: false, alpha: 0.1, marker: '*', columns: ['base', '+C+M'], modelHeader: 'System' },
    );
    expect(u.csv).toBe('System,base,+C+M\n"MMBT, large | v2",1.00 ± 0.00,2.00 ± 0.71*\n');
    expect(u.markdown.split('\n')[2]).toBe('| MMBT, large \\| v2 | 1.00 ± 0.00 | **2.00 ± 0.71*** |');
    expect(u.footnote).toBe('Loss, mean ± std over seeds; best per row in bold; * p < 0.1 against base (paired test).');
  });

  it('a single cell in a row is not bolded; negative zero is shown as 0.0', () => {
    const u = formatResultsTable([{ model: 'm', setting: 'base', seeds: [-0.0001, 0.0001] }], { metric: 'Δ' });
    expect(u.csv.split('\n')[1]).toBe('m,0.0 ± 0.0,,,');
    expect(u.markdown.split('\n')[2]).toBe('| m | 0.0 ± 0.0 | – | – | – |');
  });

  it('rejects unknown settings, duplicate cells, empty seeds, NaN and bad p-values with typed errors', () => {
    const bad = (r: ResultRow[], code: string, text: RegExp) => {
      try {
        formatResultsTable(r, { metric: 'F1' });
        expect.fail('should have thrown');
      } catch (e) {
        expect(e).toBeInstanceOf(MmauxMetricsError);
        expect((e as MmauxMetricsError).code).toBe(code);
        expect((e as Error).message).toMatch(text);
      }
    };
    bad([], 'EMPTY_INPUT', /rows is empty/);
    bad([{ model: 'm', setting: '+X', seeds: [1] }], 'INVALID_OPTION', /rows\[0\]\.setting = "\+X"/);
    bad([{ model: 'm', setting: 'base', seeds: [1] }, { model: 'm', setting: 'base', seeds: [1] }], 'INVALID_OPTION', /rows\[1\] repeats/);
    bad([{ model: 'm', setting: 'base', seeds: [] }], 'EMPTY_INPUT', /rows\[0\]\.seeds/);
    bad([{ model: 'm', setting: 'base', seeds: [0.5, Number.NaN] }], 'NON_FINITE', /rows\[0\]\.seeds\[1\] = NaN/);
    bad([{ model: 'm', setting: '+C', seeds: [0.5], pValueVsBase: 1.5 }], 'INVALID_OPTION', /pValueVsBase = 1\.5/);
  });

  it('a table without the baseline column and without p-values has no marks; with either it is an error naming the baseline', () => {
    const only = formatResultsTable([{ model: 'm', setting: '+C+M', seeds: [0.5, 0.7] }], { metric: 'Macro-F1', columns: ['+C+M'] });
    expect(only.markdown.split('\n')[2]).toBe('| m | 60.0 ± 14.1 |');
    expect(only.footnote).toBe('Macro-F1 (%), mean ± std over seeds; best per row in bold.');
    const withP = () => formatResultsTable([{ model: 'm', setting: '+C+M', seeds: [0.5], pValueVsBase: 0.01 }], { metric: 'F1', columns: ['+C+M'] });
    expect(withP).toThrow(/options\.baseline = "base" is not one of the columns \["\+C\+M"\]/);
    const named = () => formatResultsTable([{ model: 'm', setting: '+C+M', seeds: [0.5] }], { metric: 'F1', columns: ['+C+M'], baseline: '+C' });
    expect(named).toThrow(MmauxMetricsError);
  });
});
