import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MmauxTrainerError } from '../src/errors.js';
import { inlineMarkdownToHtml, markdownToHtml, renderGridReport, renderRunReport, writeReport } from '../src/report/index.js';
import { GRID_FILES, RUN_FILES } from '../src/run-files.js';
import { collectExamples, runExample } from '../../../scripts/test-utils/doc-examples.js';
import * as report from '../src/report/index.js';
import { EPOCHS, GRID_RUNS, NASTY_CLASS, tempDir, TEST_CONFUSION, writeGridDir, writeRunDir } from './report-fixtures.js';

const made: string[] = [];
async function runDir(options?: Parameters<typeof writeRunDir>[0]): Promise<string> {
  const dir = await writeRunDir(options);
  made.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

/** The page loads nothing: no scripts, no http(s) URL anywhere except SVG namespace declarations. */
function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<link\b/i);
  expect(html).not.toMatch(/<img\b/i);
  expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
  expect(html).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i);
  for (const m of html.matchAll(/https?:\/\//g)) {
    expect(html.slice(Math.max(0, m.index - 20), m.index)).toMatch(/xmlns(?::\w+)?="$/);
  }
}

const count = (html: string, needle: string | RegExp): number => html.split(needle).length - 1;

async function expectBadRunDir(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => expect.fail('expected a MmauxTrainerError'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MmauxTrainerError);
  expect((err as MmauxTrainerError).code).toBe('BAD_RUN_DIR');
  expect((err as MmauxTrainerError).message).toMatch(message);
}

describe('renderRunReport', () => {
  it('renders a complete run as a self-contained page with every plot inline', async () => {
    const html = await renderRunReport(await runDir());
    expectSelfContained(html);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // loss curves, score curves, test + val confusion heatmaps, test per-class bars
    expect(count(html, '<svg')).toBe(5);
    expect(html).toContain('<h1>tir · late-fusion · +C · seed 3</h1>');
    expect(html).not.toContain('incomplete');
  });

  it('shows the summary numbers formatted, and – for null', async () => {
    const html = await renderRunReport(await runDir());
    const dd = (label: string, value: string) => `<dt>${label}</dt><dd>${value}</dd>`;
    expect(html).toContain(dd('best epoch', '2'));
    expect(html).toContain(dd('test accuracy', '78.72%'));
    expect(html).toContain(dd('test macro-F1', '79.01%'));
    expect(html).toContain(dd('test weighted-F1', '78.45%'));
    expect(html).toContain(dd('val macro-F1', '65.43%'));
    expect(html).toContain(dd('epochs recorded', '3 of 3'));
    expect(html).toContain(dd('feature extraction (s)', '–'));
    expect(html).not.toMatch(/NaN|Infinity|>null</);
  });

  it('plots ITC but not the unused ITM, and marks the best epoch', async () => {
    const html = await renderRunReport(await runDir());
    expect(html).toContain('train ITC');
    expect(html).not.toContain('train ITM');
    expect(html).toContain('best epoch 2');
  });

  it('shows confusion counts, per-class rows with support, and escapes class names and config values', async () => {
    const html = await renderRunReport(await runDir());
    const escaped = '&lt;b&gt;&amp;&quot;';
    // the test confusion matrix as a table: true class, then counts per predicted class
    const confusionRow = (name: string, row: number[]) => `<tr><td>${name}</td>${row.map((c) => `<td class="num">${c}</td>`).join('')}</tr>`;
    expect(html).toContain(confusionRow('positive', TEST_CONFUSION[0]!));
    expect(html).toContain(confusionRow('negative', TEST_CONFUSION[1]!));
    expect(html).toContain(confusionRow(escaped, TEST_CONFUSION[2]!));
    // the counts are drawn in the heatmap too
    expect(html).toMatch(/aria-label="predicted class: negative; true class: negative; label: 17"[^>]*>17<\/text>/);
    // per-class table: precision, recall, F1 as %, support
    expect(html).toContain('<tr><td>positive</td><td class="num">78.57</td><td class="num">84.62</td><td class="num">81.48</td><td class="num">13</td></tr>');
    expect(html).toContain(`<tr><td>${escaped}</td><td class="num">90.00</td><td class="num">69.23</td><td class="num">78.26</td><td class="num">13</td></tr>`);
    // data counts per split with totals
    expect(html).toContain(`<tr><td>${escaped}</td><td class="num">30</td><td class="num">7</td><td class="num">13</td><td class="num">50</td></tr>`);
    expect(html).toContain(escaped);
    expect(html).not.toContain(NASTY_CLASS);
    expect(html).toContain('&lt;script&gt;alert(\\&quot;x\\&quot;)&lt;/script&gt;');
    expect(html).toContain('a &lt;warning&gt;');
  });

  it('is deterministic, whatever was rendered before in the process', async () => {
    const dir = await runDir();
    const first = await renderRunReport(dir);
    await renderRunReport(await runDir({ complete: false }));
    expect(await renderRunReport(dir)).toBe(first);
    // ids are unique on the page, so one plot's gradient never paints another
    const ids = [...first.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('renders an incomplete run (no result.json) with a notice', async () => {
    const html = await renderRunReport(await runDir({ complete: false }));
    expectSelfContained(html);
    expect(html).toContain('This run is incomplete');
    expect(count(html, '<svg')).toBe(2);
    expect(html).toContain('<h1>tir · late-fusion · +C · seed 3</h1>');
    expect(html).toContain('<dt>best epoch</dt><dd>2</dd>');
    expect(html).toContain('<dt>test macro-F1</dt><dd>–</dd>');
    expect(html).toContain('<dt>val macro-F1</dt><dd>65.43%</dd>');
  });

  it('names the file and line of a malformed metrics.jsonl line', async () => {
    const dir = await runDir();
    const lines = EPOCHS.map((e) => JSON.stringify(e));
    lines[1] = '{"epoch": 2, "train": ';
    await writeFile(join(dir, RUN_FILES.metrics), `${lines.join('\n')}\n`);
    await expectBadRunDir(renderRunReport(dir), /metrics\.jsonl line 2: is not valid JSON/);
    await expectBadRunDir(writeReport(dir), /metrics\.jsonl line 2/);
  });

  it('names the line where a truncated or broken JSON file stops being JSON', async () => {
    const dir = await runDir();
    await writeFile(join(dir, RUN_FILES.config), '{\n  "dataset": "tir",\n  "model": "x"\n');
    await expectBadRunDir(renderRunReport(dir), /config\.json line 4: is not valid JSON/);
    await writeFile(join(dir, RUN_FILES.config), '{\n  "dataset": "tir",\n  "seed": 01\n}');
    await expectBadRunDir(renderRunReport(dir), /config\.json line 3: is not valid JSON/);
    await writeFile(join(dir, RUN_FILES.config), '[1, 2]');
    await expectBadRunDir(renderRunReport(dir), /config\.json: must hold a JSON object, got an array/);
    await rm(join(dir, RUN_FILES.config));
    await expectBadRunDir(renderRunReport(dir), /config\.json: file not found/);
  });

  it('names the file and line of malformed JSON and of a wrong shape', async () => {
    const dir = await runDir();
    await writeFile(join(dir, RUN_FILES.result), '{\n  "dataset": "tir",\n  "model": oops\n}\n');
    await expectBadRunDir(renderRunReport(dir), /result\.json line 3: is not valid JSON/);
    await writeFile(join(dir, RUN_FILES.result), '{"classes": ["a"], "val": {}, "test": {}}');
    await expectBadRunDir(renderRunReport(dir), /result\.json: "val\.perClass" must hold/);
    await writeFile(join(dir, RUN_FILES.metrics), '{"epoch": 1}\n');
    await expectBadRunDir(renderRunReport(dir), /metrics\.jsonl line 1: "train" must be an object/);
  });
});

describe('markdownToHtml', () => {
  it('renders GFM pipe tables with alignment, bold, the † marker and escaped text', () => {
    const html = markdownToHtml('### A & B\n\n| Model | base |\n| --- | ---: |\n| x \\| <y> | **61.0 ± 1.4**† |\n\nFoot *note* <i>.\n');
    expect(html).toBe(
      [
        '<h3>A &amp; B</h3>',
        '<table class="results">',
        '<thead><tr><th>Model</th><th class="num">base</th></tr></thead>',
        '<tbody>',
        '<tr><td>x | &lt;y&gt;</td><td class="num"><strong>61.0 ± 1.4</strong>†</td></tr>',
        '</tbody>',
        '</table>',
        '<p>Foot *note* &lt;i&gt;.</p>',
      ].join('\n'),
    );
  });

  it('keeps escaped asterisks literal', () => {
    expect(inlineMarkdownToHtml('\\*\\*not bold\\*\\* **bold**')).toBe('**not bold** <strong>bold</strong>');
  });
});

describe('TSDoc examples in src/report run and print what they say', () => {
  const examples = collectExamples(new URL('../src/report/', import.meta.url));
  it.each(examples.map((e) => [e.file, e] as const))('%s', async (_file, example) => {
    await runExample(example.code, { ...report });
  });
});

describe('renderGridReport', () => {
  it('renders the results tables, a chart per data set and relative links to the runs', async () => {
    const dir = await writeGridDir();
    made.push(dir);
    const html = await renderGridReport(dir);
    expectSelfContained(html);
    expect(html).toContain('<h3>tir: Macro-F1</h3>');
    expect(html).toContain('<td class="num">61.0 ± 0.0</td><td class="num"><strong>67.9 ± 0.0</strong>†</td>');
    expect(html).toContain('† p &lt; 0.05 against base');
    expect(count(html, '<svg')).toBe(1);
    expect(html).toContain(`<a href="${GRID_RUNS.base}/report.html">${GRID_RUNS.base}</a>`);
    expect(html).toContain(`<a href="${GRID_RUNS.cm}/report.html">${GRID_RUNS.cm}</a>`);
    // each run's test macro-F1 read from its result.json
    expect(html).toMatch(new RegExp(`${GRID_RUNS.base}</a></td><td class="num">61\\.00</td>`));
    expect(html).toMatch(new RegExp(`${GRID_RUNS.cm}</a></td><td class="num">67\\.89</td>`));
    expect(await renderGridReport(dir)).toBe(html);
  });
});

describe('renderGridReport on unfinished grids', () => {
  it('marks a run without result.json and renders a grid without results.json', async () => {
    const dir = await writeGridDir();
    made.push(dir);
    await rm(join(dir, GRID_RUNS.cm, RUN_FILES.result));
    const html = await renderGridReport(dir);
    expect(html).toMatch(new RegExp(`${GRID_RUNS.cm}</a></td><td>incomplete \\(no result\\.json\\)</td>`));
    await rm(join(dir, GRID_FILES.results));
    const early = await renderGridReport(dir);
    expectSelfContained(early);
    expect(early).toContain('This grid is incomplete');
    expect(early).toContain('Grid configuration (grid.json)');
  });

  it('refuses a run path that is not relative to the grid', async () => {
    const dir = await writeGridDir();
    made.push(dir);
    const file = join(dir, GRID_FILES.results);
    const results = JSON.parse(await readFile(file, 'utf8')) as { rows: { runs: string[] }[] };
    results.rows[1]!.runs = ['/etc'];
    await writeFile(file, JSON.stringify(results));
    await expectBadRunDir(renderGridReport(dir), /results\.json: rows\[1\]\.runs holds "\/etc", which is not a path relative/);
  });
});

describe('writeReport', () => {
  it('writes report.html of a run atomically and returns its path', async () => {
    const dir = await runDir();
    const file = join(dir, RUN_FILES.report);
    // A hard link to the old report keeps the old content only if the new one was renamed into
    // place (a new inode) rather than written over the old file.
    await writeFile(file, 'old report');
    await link(file, join(dir, 'old-link.html'));
    expect(await writeReport(dir)).toBe(file);
    expect(await readFile(file, 'utf8')).toBe(await renderRunReport(dir));
    expect(await readFile(join(dir, 'old-link.html'), 'utf8')).toBe('old report');
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('writes report.html of a grid', async () => {
    const dir = await writeGridDir();
    made.push(dir);
    const file = await writeReport(dir);
    expect(file).toBe(join(dir, GRID_FILES.report));
    expect(await readFile(file, 'utf8')).toContain('<h3>tir: Macro-F1</h3>');
  });

  it('refuses a directory that is neither a run nor a grid, and a missing one', async () => {
    const dir = await tempDir();
    made.push(dir);
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, RUN_FILES.config), '{}');
    await expectBadRunDir(writeReport(dir), /is neither a run directory/);
    await expectBadRunDir(writeReport(join(dir, 'nope')), /does not exist/);
    await expectBadRunDir(writeReport(join(dir, RUN_FILES.config)), /is a file, not a directory/);
  });
});
