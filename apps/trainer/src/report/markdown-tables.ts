import { escapeHtml } from './html.js';

// A deliberately tiny Markdown subset: what a grid's results.json `markdown` holds (headings,
// GitHub pipe tables from formatResultsTable of @mmaux/metrics, footnote paragraphs). Inline:
// `**bold**`, `` `code` `` and backslash escapes; everything else is text and is escaped.

const ESCAPABLE = /\\([!-/:-@[-`{-~])/g;
// Private-use characters stand in for escaped punctuation while bold and code are matched, so
// `\*` never opens bold; any already in the input are dropped (names never hold them).
const HOLD = 0xe000;

/**
 * Converts inline Markdown to HTML: text is escaped, `**x**` becomes `<strong>`, `` `x` ``
 * becomes `<code>`, and `\|`, `\*`… become the literal character. Other characters (such as
 * the significance marker †) pass through unchanged.
 *
 * @param markdown - one line of inline Markdown
 * @returns HTML
 *
 * @example
 * ```ts
 * inlineMarkdownToHtml('**64.0 ± 1.4**† <a> \\| b'); // "<strong>64.0 ± 1.4</strong>† &lt;a&gt; | b"
 * ```
 */
export function inlineMarkdownToHtml(markdown: string): string {
  const held = markdown.replace(/[\ue000-\ue0ff]/g, '').replace(ESCAPABLE, (_, c: string) => String.fromCharCode(HOLD + c.charCodeAt(0) - 32));
  const html = escapeHtml(held)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*(?=\S)(.+?)\*\*/g, '<strong>$1</strong>');
  return html.replace(/[\ue000-\ue0ff]/g, (ch) => escapeHtml(String.fromCharCode(ch.charCodeAt(0) - HOLD + 32)));
}

/** The cells of a pipe-table line; `\|` stays inside a cell. */
function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cell += s[i]! + s[i + 1]!;
      i++;
    } else if (s[i] === '|') {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += s[i]!;
    }
  }
  cells.push(cell.trim());
  return cells;
}

const DELIMITER_CELL = /^:?-+:?$/;

function isDelimiterRow(line: string | undefined): boolean {
  if (line === undefined || !line.includes('-')) return false;
  const cells = splitRow(line);
  return cells.length > 0 && cells.every((c) => DELIMITER_CELL.test(c));
}

function alignment(cell: string): string {
  const left = cell.startsWith(':');
  const right = cell.endsWith(':');
  return right && left ? ' class="center"' : right ? ' class="num"' : '';
}

function table(lines: readonly string[]): string {
  const header = splitRow(lines[0]!);
  const aligns = splitRow(lines[1]!).map(alignment);
  const cells = (row: string[], tag: 'th' | 'td'): string =>
    header.map((_, i) => `<${tag}${aligns[i] ?? ''}>${inlineMarkdownToHtml(row[i] ?? '')}</${tag}>`).join('');
  const body = lines.slice(2).map((l) => `<tr>${cells(splitRow(l), 'td')}</tr>`);
  return `<table class="results">\n<thead><tr>${cells(header, 'th')}</tr></thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>`;
}

/**
 * Converts the Markdown that grids write (`### headings`, GitHub pipe tables, paragraphs) to
 * HTML. Bold, code and the † marker survive; all text is escaped; anything else is a paragraph.
 *
 * @param markdown - e.g. `GridResults.markdown`
 * @returns HTML fragments, one per block
 *
 * @example
 * ```ts
 * const html = markdownToHtml('### tir: Macro-F1\n\n| Model | base |\n| --- | ---: |\n| A<1> | **61.0 ± 1.4**† |');
 * html.split('\n')[0]; // "<h3>tir: Macro-F1</h3>"
 * html.split('\n')[2]; // "<thead><tr><th>Model</th><th class=\"num\">base</th></tr></thead>"
 * html.split('\n')[4]; // "<tr><td>A&lt;1&gt;</td><td class=\"num\"><strong>61.0 ± 1.4</strong>†</td></tr>"
 * ```
 */
export function markdownToHtml(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const blocks: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const heading = /^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (line.trim() === '') {
      i++;
    } else if (heading) {
      const level = heading[1]!.length;
      blocks.push(`<h${level}>${inlineMarkdownToHtml(heading[2]!)}</h${level}>`);
      i++;
    } else if (line.includes('|') && isDelimiterRow(lines[i + 1])) {
      const start = i;
      i += 2;
      while (i < lines.length && lines[i]!.trim() !== '' && lines[i]!.includes('|')) i++;
      blocks.push(table(lines.slice(start, i)));
    } else {
      const start = i;
      while (i < lines.length && lines[i]!.trim() !== '' && !/^#{1,6}\s/.test(lines[i]!) && !(lines[i]!.includes('|') && isDelimiterRow(lines[i + 1]))) i++;
      blocks.push(`<p>${lines.slice(start, i).map((l) => inlineMarkdownToHtml(l.trim())).join('\n')}</p>`);
    }
  }
  return blocks.join('\n');
}
