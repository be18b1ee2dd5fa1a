import { basename, resolve } from 'node:path';
import { GRID_FILES, RUN_FILES, type GridResults } from '../run-files.js';
import { escapeHtml, figure, formatCount, formatNumber, formatScore, htmlTable, jsonDetails, MISSING, notice, section, type Cell } from './html.js';
import { gridChartSpec, groupRows, groupTitle } from './grid-charts.js';
import { readGridFiles, type GridFiles, type GridRunEntry } from './grid-data.js';
import { markdownToHtml } from './markdown-tables.js';
import { htmlPage } from './page.js';
import { renderVegaLite } from './vega-svg.js';

/**
 * A relative URL for a run path: `/` separators, each character a URL would misread encoded
 * (`#`, `?`, spaces, `%`…), the rest (such as `+` in `+C+M`) kept readable.
 */
function runHref(path: string): string {
  const segments = path.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  return [...segments, RUN_FILES.report].map((s) => encodeURI(s).replace(/[#?]/g, encodeURIComponent)).join('/');
}

function runsTable(results: GridResults, runs: GridFiles['runs']): string {
  const rows: Cell[][] = [];
  results.rows.forEach((row, i) => {
    for (const run of runs[i] ?? []) {
      const link = run.status === 'missing' ? escapeHtml(run.path) : `<a href="${escapeHtml(runHref(run.path))}">${escapeHtml(run.path)}</a>`;
      rows.push([
        { html: escapeHtml(row.dataset) },
        { html: row.trainSize === null ? 'all' : formatCount(row.trainSize), numeric: true },
        { html: escapeHtml(row.model) },
        { html: escapeHtml(row.setting) },
        { html: run.seed === undefined ? MISSING : formatCount(run.seed), numeric: true },
        { html: link },
        { html: status(run), numeric: run.status === 'done' },
      ]);
    }
  });
  const header: Cell[] = [
    { html: 'data set' },
    { html: 'train size', numeric: true },
    { html: 'model' },
    { html: 'setting' },
    { html: 'seed', numeric: true },
    { html: 'run report' },
    { html: 'test macro-F1 %', numeric: true },
  ];
  return htmlTable(header, rows, 'data runs');
}

function status(run: GridRunEntry): string {
  if (run.status === 'done') return formatScore(run.testF1Macro);
  return run.status === 'incomplete' ? `incomplete (no ${RUN_FILES.result})` : 'missing';
}

async function chartsSection(results: GridResults): Promise<string> {
  const groups = groupRows(results.rows);
  if (groups.length === 0) return notice('No run of this grid has finished yet.');
  const figures: string[] = [];
  for (const [i, group] of groups.entries()) {
    const svg = await renderVegaLite(gridChartSpec(group), `plot-${i + 1}`);
    figures.push(`<h3>${escapeHtml(groupTitle(group))}</h3>\n${figure(svg, 'Bars: mean test macro-F1 over seeds; whiskers: ± one sample standard deviation.')}`);
  }
  return figures.join('\n');
}

/**
 * Renders a grid directory as one self-contained HTML page: the results tables (macro- and
 * weighted-F1 per data set and training size, best in bold, † for significant gains over base),
 * a chart of mean test macro-F1 ± std per model and setting for each data set and training
 * size, and every run with a relative link to its `report.html` and its test macro-F1. A grid
 * without `results.json` yet renders its configuration and says so. The same files always give
 * the same page.
 *
 * @param gridDir - a grid directory (`grid.json` and/or `results.json`, runs under `runs/`)
 * @returns the HTML page
 * @throws MmauxTrainerError `BAD_RUN_DIR` when a file is missing or malformed
 */
export async function renderGridReport(gridDir: string): Promise<string> {
  const files = await readGridFiles(gridDir);
  const { results } = files;
  const name = basename(resolve(gridDir));
  const datasets = results ? [...new Set(results.rows.map((r) => r.dataset))] : [];
  const title = datasets.length > 0 ? `Grid: ${datasets.join(', ')}` : `Grid: ${name}`;
  const body: string[] = [`<h1>${escapeHtml(title)}</h1>`, `<p class="subtitle">Grid <code>${escapeHtml(name)}</code></p>`];
  if (!results) {
    body.push(notice(`This grid is incomplete: <code>${GRID_FILES.results}</code> has not been written yet.`));
  } else {
    const runCount = files.runs.reduce((a, r) => a + r.length, 0);
    const sig = results.significance;
    const facts = [
      `${results.rows.length} result row${results.rows.length === 1 ? '' : 's'}, ${runCount} run${runCount === 1 ? '' : 's'}.`,
      sig
        ? `Significance: ${escapeHtml(String(sig.test))}, ${formatCount(sig.samples)} samples, α = ${formatNumber(sig.alpha, 2)}, seed ${formatCount(sig.seed)}.`
        : '',
    ].filter((s) => s !== '');
    body.push(section('results', 'Results', `<p>${facts.join(' ')}</p>\n${markdownToHtml(results.markdown)}`));
    body.push(section('charts', 'Macro-F1 by model and setting', await chartsSection(results)));
    body.push(section('runs', 'Runs', runsTable(results, files.runs)));
  }
  if (files.config) body.push(section('config', 'Configuration', jsonDetails(`Grid configuration (${GRID_FILES.config})`, files.config)));
  return htmlPage(`mmaux ${title}`, body.join('\n'));
}
