// `mmaux train --help`'s settings: the rows of settings.ts grouped, one `--flag VALUE  description
// (default: x)` entry each, with the allowed values or forms below where the VALUE does not say.
import type { RunConfig } from './config.js';
import { runSettingRows, SETTING_GROUPS, type SettingRow, type TextPart } from './settings.js';

const WIDTH = 100;
/** Where descriptions start; a longer `--flag VALUE` puts its description on the next line. */
const COLUMN = 31;

/** The default as text: `16; tir, mhp: 8`, `auto — the data set's rule: …`, `none`. */
export function defaultText(row: SettingRow, literal: (s: string) => string = (s) => s): string {
  const { value, meaning, perDataset } = row.default;
  const main = value === null ? (meaning ?? '') : meaning === null ? literal(value) : `${literal(value)} — ${meaning}`;
  return [main, ...perDataset.map((d) => `${d.datasets.join(', ')}: ${literal(d.value)}`)].join('; ');
}

/** Joins allowed parts with commas, literals through `literal`. */
export function allowedText(parts: TextPart[], literal: (s: string) => string = (s) => s): string {
  return parts.map((p) => (p.literal ? literal(p.text) : p.text)).join(', ');
}

/** Words of `text` in lines of at most `width - indent` characters, each indented. */
function wrap(text: string, indent: number, first = ' '.repeat(indent)): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    if (line.length > indent && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(indent);
    }
    line += line.length > indent && !line.endsWith(' ') ? ` ${word}` : word;
  }
  lines.push(line);
  return lines;
}

function entry(row: SettingRow): string[] {
  const usage = `  ${row.flag}${row.value === null ? '' : ` ${row.value}`}`;
  const text = `${row.description} (default: ${defaultText(row)})`;
  const head = usage.length < COLUMN - 1 ? wrap(text, COLUMN, usage.padEnd(COLUMN)) : [usage, ...wrap(text, COLUMN)];
  return row.allowed.length === 0 ? head : [...head, ...wrap(`allowed: ${allowedText(row.allowed)}`, COLUMN)];
}

/** The title of a group in `--help` and the README: `Data`, `Optimisation`. */
export function groupTitle(group: string): string {
  return group[0]!.toUpperCase() + group.slice(1);
}

/**
 * The `--help` text of every run setting, grouped (data, encoders, model, losses, optimisation,
 * run): `--flag VALUE  description (default: x)`, then `allowed: …` where VALUE does not say it.
 */
export function runSettingsHelp(): string {
  const rows = runSettingRows();
  const blocks = SETTING_GROUPS.map((g) => [`${groupTitle(g)}:`, ...rows.filter((r) => r.group === g).flatMap(entry)].join('\n'));
  const note = wrap('N is an integer ≥ 1 and X a number unless "allowed" says otherwise; a flag without a value turns its setting on.', 0).join('\n');
  return [note, ...blocks].join('\n\n');
}

/** The `--help` entries of some run settings, in the order given (for commands that take a few). */
export function runSettingsHelpFor(keys: readonly (keyof RunConfig)[]): string {
  const rows = runSettingRows();
  return keys.flatMap((k) => entry(rows.find((r) => r.key === k)!)).join('\n');
}
