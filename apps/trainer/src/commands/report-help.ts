// `mmaux report`'s name, summary and help: read by `mmaux --help` without loading the command.
import type { CommandInfo } from './context.js';

export const REPORT_INFO: CommandInfo = {
  name: 'report',
  summary: 'write a self-contained HTML report of a run or a grid directory',
  help: `Usage: mmaux report DIR [--json]

Writes DIR/report.html: for a run, the summary, loss and F1 curves per epoch, confusion matrices
and per-class scores; for a grid, the results tables, a chart of mean macro-F1 per model and
setting, and links to every run's report. Plots are SVG rendered by Vega-Lite, inlined: the page
needs nothing else. train, grid and demo write it already; use this after copying results.

Example:
  mmaux report .mmaux/demo`,
};
