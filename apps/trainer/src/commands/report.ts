import { MmauxTrainerError } from '../errors.js';
import { parseFlags } from '../flags.js';
import { writeReport } from '../report/index.js';
import type { Command } from './context.js';

export const reportCommand: Command = {
  name: 'report',
  summary: 'write a self-contained HTML report of a run or a grid directory',
  help: `Usage: mmaux report DIR [--json]

Writes DIR/report.html: for a run, the summary, loss and F1 curves per epoch, confusion matrices
and per-class scores; for a grid, the results tables, a chart of mean macro-F1 per model and
setting, and links to every run's report. Plots are SVG rendered by Vega-Lite, inlined: the page
needs nothing else. train, grid and demo write it already; use this after copying results.

Example:
  mmaux report .mmaux/demo`,
  async run(args, ctx) {
    const { positionals } = parseFlags('report', args, {}, 1);
    const dir = positionals[0];
    if (dir === undefined) throw new MmauxTrainerError('BAD_CONFIG', 'mmaux report: give a run or grid directory; see mmaux report --help.');
    const file = await writeReport(dir);
    if (ctx.json) ctx.printJson({ report: file });
    else ctx.print(`report written to ${file}`);
  },
};
