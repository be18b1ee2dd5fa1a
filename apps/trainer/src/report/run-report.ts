import { basename, resolve } from 'node:path';
import { RUN_FILES, type EpochRecord, type RunResult, type SplitReport } from '../run-files.js';
import { escapeHtml, figure, formatCount, formatNumber, formatPercent, jsonDetails, MISSING, notice, section } from './html.js';
import { htmlPage } from './page.js';
import type { JsonObject } from '../read-files.js';
import { confusionChartSpec, lossChartSpec, perClassChartSpec, scoreChartSpec } from './run-charts.js';
import { readRunFiles, type RunFiles } from './run-data.js';
import { confusionTable, dataSection, environmentSection, epochTable, perClassTable, summaryList } from './run-sections.js';
import { renderVegaLite } from './vega-svg.js';

/** What the title shows: from result.json when the run is complete, else from config.json. */
interface RunIdentity {
  dataset: string;
  model: string;
  setting: string;
  seed: string;
}

function identity(config: JsonObject, result: RunResult | undefined): RunIdentity {
  if (result) return { dataset: String(result.dataset), model: String(result.model), setting: String(result.setting), seed: String(result.seed) };
  const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : MISSING);
  // Mirrors how results name data sets and settings, so an incomplete run reads like a finished one.
  const dataset = config.dataset === 'synthetic' && typeof config.task === 'string' ? `synthetic-${config.task}` : str(config.dataset);
  const aux = Array.isArray(config.aux) ? config.aux : undefined;
  const setting = aux ? (aux.includes('itc') ? (aux.includes('itm') ? '+C+M' : '+C') : aux.includes('itm') ? '+M' : 'base') : MISSING;
  return { dataset, model: str(config.model), setting, seed: str(config.seed) };
}

/** The best epoch: result.json's, else the last epoch flagged best so far, else none. */
function bestEpochOf(epochs: readonly EpochRecord[], result: RunResult | undefined): number | undefined {
  if (result && Number.isFinite(result.bestEpoch)) return result.bestEpoch;
  const flagged = epochs.filter((e) => e.best === true);
  return flagged.length > 0 ? flagged[flagged.length - 1]!.epoch : undefined;
}

function summary(run: RunFiles, best: number | undefined): string {
  const { result, epochs } = run;
  const bestRecord = epochs.find((e) => e.epoch === best);
  const totalEpochs = result ? result.epochs : typeof run.config.epochs === 'number' ? run.config.epochs : undefined;
  const items: [string, string][] = [
    ['best epoch', best === undefined ? MISSING : String(best)],
    ['test accuracy', formatPercent(result?.test.accuracy)],
    ['test macro-F1', formatPercent(result?.test.f1Macro)],
    ['test weighted-F1', formatPercent(result?.test.f1Weighted)],
    ['val macro-F1', formatPercent(result ? result.val.f1Macro : bestRecord?.val.f1Macro)],
    ['epochs recorded', `${epochs.length}${totalEpochs === undefined ? '' : ` of ${formatCount(totalEpochs)}`}`],
  ];
  if (result) {
    items.push(['training posts', formatCount(result.trainSize)]);
    items.push(['feature extraction (s)', formatNumber(result.seconds?.extraction, 1)]);
    items.push(['training (s)', formatNumber(result.seconds?.training, 1)]);
  }
  return summaryList(items);
}

/** Heatmap, counts table and per-class table of one split; the per-class chart only for test. */
async function splitSection(id: string, title: string, classes: readonly string[], report: SplitReport, withChart: boolean, next: () => string): Promise<string> {
  const parts = [
    summaryList([
      ['accuracy', formatPercent(report.accuracy)],
      ['macro-F1', formatPercent(report.f1Macro)],
      ['weighted-F1', formatPercent(report.f1Weighted)],
      ['macro precision', formatPercent(report.precisionMacro)],
      ['macro recall', formatPercent(report.recallMacro)],
    ]),
    figure(await renderVegaLite(confusionChartSpec(`${title}: confusion matrix`, classes, report.confusion), next()), 'Rows: true class; columns: predicted class; cells: posts.'),
    `<details><summary>Confusion matrix as a table</summary>\n${confusionTable(classes, report.confusion)}\n</details>`,
  ];
  if (withChart) {
    parts.push(figure(await renderVegaLite(perClassChartSpec(`${title}: per-class scores`, classes, report), next()), 'Precision, recall and F1 per class.'));
  }
  parts.push(perClassTable(classes, report));
  return section(id, title, parts.join('\n'));
}

/**
 * Renders a run directory as one self-contained HTML page: title (data set, model, setting,
 * seed), summary, loss and score curves with the best epoch marked, test and validation
 * confusion matrices, per-class scores, data counts, environment and configuration. Plots are
 * inline SVG; the page loads nothing. A run without `result.json` renders what exists, with a
 * notice that it is incomplete. The same files always give the same page.
 *
 * @param runDir - a run directory (`config.json`, `metrics.jsonl`, and the other files of `RUN_FILES`)
 * @returns the HTML page
 * @throws MmauxTrainerError `BAD_RUN_DIR` when a required file is missing or a file or line is malformed
 */
export async function renderRunReport(runDir: string): Promise<string> {
  const run = await readRunFiles(runDir);
  const { result, epochs } = run;
  const id = identity(run.config, result);
  const best = bestEpochOf(epochs, result);
  let plots = 0;
  const next = (): string => `plot-${++plots}`;

  const title = `${id.dataset} · ${id.model} · ${id.setting} · seed ${id.seed}`;
  const body: string[] = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="subtitle">Run <code>${escapeHtml(basename(resolve(runDir)))}</code></p>`,
  ];
  if (!result) {
    body.push(
      notice(
        `This run is incomplete: <code>${RUN_FILES.result}</code> has not been written yet (${epochs.length} epoch${epochs.length === 1 ? '' : 's'} recorded). ` +
          'Test scores, confusion matrices and per-class scores appear when it finishes.',
      ),
    );
  }
  body.push(section('summary', 'Summary', summary(run, best)));

  if (epochs.length === 0) {
    body.push(section('curves', 'Training curves', notice('No epoch has been recorded yet.')));
  } else {
    const loss = figure(await renderVegaLite(lossChartSpec(epochs, best), next()), 'Mean training losses per epoch (ITC and ITM only when used) and the validation loss.');
    const scores = figure(
      await renderVegaLite(scoreChartSpec(epochs, best), next()),
      'Validation macro- and weighted-F1 and accuracy, training accuracy; the dashed rule marks the best epoch.',
    );
    body.push(section('curves', 'Training curves', `${loss}\n${scores}\n${epochTable(epochs, best)}`));
  }

  if (result) {
    body.push(await splitSection('test', 'Test set (best epoch)', result.classes, result.test, true, next));
    body.push(await splitSection('val', 'Validation set (best epoch)', result.classes, result.val, false, next));
  }
  if (run.data) body.push(section('data', 'Data', dataSection(run.data)));
  body.push(section('environment', 'Environment', run.environment ? environmentSection(run.environment) : notice(`No <code>${RUN_FILES.environment}</code> in this run.`)));
  body.push(section('config', 'Configuration', jsonDetails(`Resolved configuration (${RUN_FILES.config})`, run.config)));
  return htmlPage(`mmaux run: ${title}`, body.join('\n'));
}
