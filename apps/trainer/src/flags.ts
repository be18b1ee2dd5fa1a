// Command-line flags: every run setting as `--kebab-case`, plus the flags all commands share, and
// the config file (YAML or JSON) they override.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { kebab, RUN_SCHEMA } from './config.js';
import { MmauxTrainerError } from './errors.js';
import { runSettingRows } from './settings.js';

export { runSettingsHelp } from './settings-help.js';

/** Flags every command takes. */
export const COMMON_FLAGS = {
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Flags of the commands that run training (`train`, `grid`, `demo`, `extract`). */
export const RUN_FLAGS: NonNullable<ParseArgsConfig['options']> = {
  config: { type: 'string', short: 'c' },
  force: { type: 'boolean' },
  resume: { type: 'boolean' },
  // A boolean setting is a bare flag (`--strict`); every other setting takes a value.
  ...Object.fromEntries(runSettingRows().map((row) => [row.flag.slice(2), { type: row.value === null ? ('boolean' as const) : ('string' as const) }])),
};

/** Parsed flags (strings or booleans, by flag name) and positional arguments. */
export interface ParsedFlags {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Parses `args` with `flags`; an unknown flag or a missing value is a usage error naming it. */
export function parseFlags(command: string, args: string[], flags: NonNullable<ParseArgsConfig['options']>, positionals = 0): ParsedFlags {
  try {
    const parsed = parseArgs({ args, options: { ...COMMON_FLAGS, ...flags }, allowPositionals: true, strict: true }) as ParsedFlags;
    if (parsed.positionals.length > positionals && !parsed.values.help) {
      throw new MmauxTrainerError('BAD_CONFIG', `mmaux ${command}: unexpected argument "${parsed.positionals[positionals]}"; see mmaux ${command} --help.`);
    }
    return parsed;
  } catch (err) {
    if (err instanceof MmauxTrainerError) throw err;
    throw new MmauxTrainerError('BAD_CONFIG', `mmaux ${command}: ${(err as Error).message}; see mmaux ${command} --help.`, { cause: err });
  }
}

/** The run settings given as flags, by config key (strings; the schema converts them). */
export function runSettingsFromFlags(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(RUN_SCHEMA)) {
    const v = values[kebab(key)];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** yaml, loaded when a config file is read rather than by every command that parses flags (`data check`). */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yaml.parse(text);
}

/** Reads a YAML or JSON config file into a plain object, naming the file on any problem. */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MmauxTrainerError('NOT_FOUND', `config file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`, { cause: err });
  }
  let value: unknown;
  try {
    value = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new MmauxTrainerError('BAD_CONFIG', `config file ${file} is not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { cause: err });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new MmauxTrainerError('BAD_CONFIG', `config file ${file} must hold a mapping of settings (key: value), got ${Array.isArray(value) ? 'a list' : typeof value}.`);
  }
  return value as Record<string, unknown>;
}
