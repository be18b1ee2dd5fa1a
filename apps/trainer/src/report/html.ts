// Small HTML building blocks shared by the run and grid reports. Everything taken from a file
// goes through escapeHtml; numbers go through the formatters so NaN, Infinity and null (how
// JSON writes NaN) never reach the page as "NaN" or "null".

/** The dash shown for a value that is missing, null, NaN or infinite. */
export const MISSING = '–';

/**
 * Escapes `& < > " '` so text from run files can be placed in HTML text and attributes.
 *
 * @param text - any text
 * @returns the text with the five characters as entities
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * A score in [0, 1] as a percentage with 2 decimals (`0.61234` → `61.23`).
 *
 * @param value - a score; anything but a finite number shows as `–`
 * @returns the display text
 */
export function formatScore(value: unknown): string {
  return finite(value) ? fixed(value * 100, 2) : MISSING;
}

/**
 * {@link formatScore} followed by `%` (`0.61234` → `61.23%`).
 *
 * @param value - a score; anything but a finite number shows as `–`
 * @returns the display text
 */
export function formatPercent(value: unknown): string {
  return finite(value) ? `${formatScore(value)}%` : MISSING;
}

/**
 * A loss or other real number with a fixed number of decimals.
 *
 * @param value - the number; anything but a finite number shows as `–`
 * @param decimals - decimals shown
 * @returns the display text
 */
export function formatNumber(value: unknown, decimals = 4): string {
  return finite(value) ? fixed(value, decimals) : MISSING;
}

/**
 * An integer count, without locale-dependent separators so the page is the same everywhere.
 *
 * @param value - the count; anything but a finite number shows as `–`
 * @returns the display text
 */
export function formatCount(value: unknown): string {
  return finite(value) ? String(Math.round(value)) : MISSING;
}

/** toFixed without a "-0.00". */
function fixed(value: number, decimals: number): string {
  const s = value.toFixed(decimals);
  return Number(s) === 0 ? (0).toFixed(decimals) : s;
}

/** One table cell: already-escaped HTML, right-aligned when `numeric`. */
export interface Cell {
  html: string;
  numeric?: boolean;
}

/**
 * A `<table>` with a header row.
 *
 * @param header - the header cells (already escaped HTML)
 * @param rows - the body rows (already escaped HTML)
 * @param className - the table's class attribute
 * @returns the table's HTML
 */
export function htmlTable(header: readonly Cell[], rows: readonly (readonly Cell[])[], className = 'data'): string {
  const th = header.map((c) => `<th${c.numeric ? ' class="num"' : ''}>${c.html}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((c) => `<td${c.numeric ? ' class="num"' : ''}>${c.html}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table class="${className}">\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/**
 * A collapsible block with `value` pretty-printed as JSON (escaped).
 *
 * @param summary - the always-visible label
 * @param value - any JSON value
 * @returns a `<details>` element
 */
export function jsonDetails(summary: string, value: unknown): string {
  return `<details><summary>${escapeHtml(summary)}</summary>\n<pre>${escapeHtml(JSON.stringify(value, null, 2) ?? 'null')}</pre>\n</details>`;
}

/**
 * A highlighted notice paragraph.
 *
 * @param html - the content, already escaped
 * @returns a `<p class="notice">` element
 */
export function notice(html: string): string {
  return `<p class="notice">${html}</p>`;
}

/**
 * A `<section>` with an `<h2>` heading.
 *
 * @param id - the section's id (an anchor for links)
 * @param title - the heading text (escaped here)
 * @param body - the content, already HTML
 * @returns the section's HTML
 */
export function section(id: string, title: string, body: string): string {
  return `<section id="${escapeHtml(id)}">\n<h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

/**
 * A figure around an inline SVG plot.
 *
 * @param svg - the `<svg>` markup
 * @param caption - the caption text (escaped here)
 * @returns a `<figure>` element
 */
export function figure(svg: string, caption: string): string {
  return `<figure>\n${svg}\n<figcaption>${escapeHtml(caption)}</figcaption>\n</figure>`;
}
