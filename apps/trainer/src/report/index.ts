/**
 * @packageDocumentation
 * Self-contained HTML reports of runs and grids for `mmaux report`: plots are Vega-Lite specs
 * rendered headless to inline SVG, styles are inline, nothing is fetched, every text from a
 * run file is escaped, and the same files always give the same page.
 */
export { renderGridReport } from './grid-report.js';
export { inlineMarkdownToHtml, markdownToHtml } from './markdown-tables.js';
export { renderRunReport } from './run-report.js';
export { detectReportKind, writeReport } from './write-report.js';
export type { ReportKind } from './write-report.js';
