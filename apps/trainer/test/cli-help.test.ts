// The settings help: one row per setting with a description, a default that is the one a run
// really gets, allowed values that validation really accepts; `mmaux train --help` prints it
// grouped, and the README's tables are what it generates.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkValue, DATASET_CHOICES, resolveRunConfig, RUN_SCHEMA } from '../src/config.js';
import { parseFlags, RUN_FLAGS, runSettingsFromFlags } from '../src/flags.js';
import { runSettingsHelp, runSettingsHelpFor } from '../src/settings-help.js';
import { settingsMarkdown, SETTINGS_END, SETTINGS_START, withSettingsSection } from '../src/settings-markdown.js';
import { runSettingRows, SETTING_GROUPS } from '../src/settings.js';
import { mmaux, workDir } from './cli-helpers.js';

const rows = runSettingRows();
const README = fileURLToPath(new URL('../README.md', import.meta.url));

describe('the settings table', () => {
  it('has every run setting once, as --kebab-case, grouped in the documented order', () => {
    expect(rows.map((r) => r.key).sort()).toEqual(Object.keys(RUN_SCHEMA).sort());
    for (const r of rows) expect(r.flag).toBe(`--${r.key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`);
    const groups = rows.map((r) => r.group).filter((g, i, all) => all.indexOf(g) === i);
    expect(groups).toEqual([...SETTING_GROUPS]);
    expect(SETTING_GROUPS).toEqual(['data', 'encoders', 'model', 'losses', 'optimisation', 'run']);
    for (const r of rows) expect(r.description.length, r.key).toBeGreaterThan(10);
  });

  it('shows defaults a run really gets: passing the shown default changes nothing', () => {
    const none = resolveRunConfig({}, {}) as unknown as Record<string, unknown>;
    for (const r of rows) {
      if (r.default.value === null) {
        // No flag word for it (a null path): the meaning is stated instead, and the run has null.
        expect(none[r.key], r.key).toBeNull();
        expect(r.default.meaning, r.key).toMatch(/\w/);
        continue;
      }
      const given = resolveRunConfig({}, { [r.key]: r.default.value }) as unknown as Record<string, unknown>;
      expect(given[r.key], r.key).toEqual(none[r.key]);
      if (none[r.key] === null) expect(r.default.meaning, `${r.key}: what null means`).toMatch(/\w/);
    }
    expect(rows.find((r) => r.key === 'out')!.default.value).toBe(String(none.out));
  });

  it("names each data set's own default, as that data set's run gets it", () => {
    const batch = rows.find((r) => r.key === 'batchSize')!;
    expect(batch.default.value).toBe('16');
    expect(batch.default.perDataset).toEqual([{ datasets: ['tir', 'mhp'], value: '8' }]);
    for (const r of rows) {
      for (const { datasets, value } of r.default.perDataset) {
        for (const dataset of datasets) {
          const c = resolveRunConfig({ dataset, data: 'somewhere' }, {}) as unknown as Record<string, unknown>;
          expect(String(c[r.key]), `${r.key} for ${dataset}`).toBe(value);
        }
      }
      // Every other data set has the general default.
      const special = new Set(r.default.perDataset.flatMap((d) => d.datasets));
      if (r.default.value === null || r.key === 'dataset' || r.key === 'out') continue;
      for (const dataset of DATASET_CHOICES.filter((d) => !special.has(d))) {
        const c = resolveRunConfig({ dataset, data: 'somewhere' }, {}) as unknown as Record<string, unknown>;
        const flagForm = Array.isArray(c[r.key]) ? (c[r.key] as string[]).join(',') || 'none' : c[r.key] === null ? r.default.value : String(c[r.key]);
        expect(flagForm, `${r.key} for ${dataset}`).toBe(r.default.value);
      }
    }
  });

  it('lists allowed values that validation accepts, and every value it accepts of an enum', () => {
    for (const r of rows) {
      const kind = RUN_SCHEMA[r.key];
      const literals = r.allowed.filter((p) => p.literal).map((p) => p.text);
      const shown = kind.type === 'enum' && literals.length === 0 ? r.value!.split('|') : literals;
      if (kind.type === 'enum') expect(shown, r.key).toEqual(expect.arrayContaining([...kind.values]));
      // Forms with <placeholders> are patterns, not values; the rest are checked as a flag would give them.
      for (const v of shown.filter((x) => !x.includes('<'))) expect(() => checkValue(`--${r.key}`, r.key, v), `${r.key} = ${v}`).not.toThrow();
    }
    expect(() => checkValue('--patch-grid', 'patchGrid', '0')).toThrow(/patchGrid = "0" is not valid; expected an integer ≥ 1 \(or null\)/);
    expect(rows.find((r) => r.key === 'patchGrid')!.allowed.map((p) => p.text)).toEqual(['integer ≥ 1', 'null']);
  });

  it('drives the flag parser: every row is a flag, booleans bare, the rest with a value', () => {
    const args = rows.flatMap((r) => (r.value === null ? [r.flag] : [r.flag, r.default.value ?? 'x']));
    const { values } = parseFlags('train', args, RUN_FLAGS);
    expect(Object.keys(runSettingsFromFlags(values)).sort()).toEqual(Object.keys(RUN_SCHEMA).sort());
    expect(Object.keys(RUN_FLAGS).sort()).toEqual([...rows.map((r) => r.flag.slice(2)), 'config', 'force', 'resume'].sort());
    expect(() => parseFlags('train', ['--strict', 'yes'], RUN_FLAGS)).toThrow(/mmaux train: unexpected argument "yes"/);
  });
});

describe('mmaux train --help', () => {
  const help = runSettingsHelp();

  it('groups the settings under Data, Encoders, Model, Losses, Optimisation, Run', () => {
    const titles = help.split('\n').filter((l) => /^[A-Z]\w+:$/.test(l));
    expect(titles).toEqual(['Data:', 'Encoders:', 'Model:', 'Losses:', 'Optimisation:', 'Run:']);
    // Each flag sits in its group's block.
    const blocks = help.split('\n\n').slice(1);
    for (const r of rows) expect(blocks[SETTING_GROUPS.indexOf(r.group)], r.key).toMatch(new RegExp(`^  ${r.flag}\\b`, 'm'));
  });

  it('says what each setting takes, what it does and its default', () => {
    expect(help).toMatch(/^ {2}--data PATH {2,}the data set's folder, or the manifest file/m);
    expect(help).toMatch(/^ {2}--patch-grid N {2,}average-pool image patches to an N×N grid in the cache \(e\.g\. 7\)\n {31}\(default: null — every patch kept\)\n {31}allowed: integer ≥ 1, null$/m);
    expect(help).toMatch(/^ {2}--batch-size N {2,}posts per batch .*\n? *.*\(default: 16; tir, mhp:\s+8\)/m);
    const encoder = help.slice(help.indexOf('  --text-encoder SPEC'), help.indexOf('  --image-encoder'));
    expect(encoder).toContain('(default:\n                               builtin:text-hash)');
    expect(encoder.replace(/\s+/g, ' ')).toContain('allowed: builtin:text-hash, hf:<hub id or model folder>, tfjs:<model.json path or URL>[#node]');
    for (const r of rows) expect(help.replace(/\s+/g, ' '), r.key).toContain(r.description);
    for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('is what the CLI prints, and extract shows the entries it uses', () => {
    const cwd = workDir();
    const train = mmaux(cwd, 'train', '--help');
    expect(train.code).toBe(0);
    expect(train.stdout).toContain(help);
    const extract = mmaux(cwd, 'extract', '--help');
    expect(extract.stdout).toContain(runSettingsHelpFor(['textEncoder', 'imageEncoder']));
  });
});

describe('README settings tables', () => {
  it('are what the settings table generates (run pnpm run docs after changing src/settings.ts)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toContain(SETTINGS_START);
    expect(withSettingsSection(readme)).toBe(readme);
  });

  it('have one row per setting, with the flag, key, default and description', () => {
    const md = settingsMarkdown();
    expect(md.split('\n').filter((l) => l.startsWith('| `--')).length).toBe(rows.length);
    expect(md).toContain('| `--batch-size N` | `batchSize` |  | `16`; tir, mhp: `8` | posts per batch');
    expect(md).toContain('| `--on-bad-image skip\\|blank\\|auto` | `onBadImage` |');
    for (const g of ['Data', 'Encoders', 'Model', 'Losses', 'Optimisation', 'Run']) expect(md).toContain(`### ${g}\n`);
  });

  it('refuses a README without the markers, naming them', () => {
    expect(() => withSettingsSection('# no markers\n')).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining(SETTINGS_END) }));
    expect(withSettingsSection(`a\n${SETTINGS_START}\nold\n${SETTINGS_END}\nb\n`)).toBe(`a\n${SETTINGS_START}\n\n${settingsMarkdown()}\n\n${SETTINGS_END}\nb\n`);
  });
});
