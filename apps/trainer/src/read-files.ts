import { readFile, stat } from 'node:fs/promises';
import { printParseErrorCode, visit } from 'jsonc-parser';
import { MmauxTrainerError } from './errors.js';

// Reading run and grid files for the report. Every problem becomes a BAD_RUN_DIR error that
// names the file (and line), so `mmaux report` can say exactly what to fix.

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** Whether `value` is a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A BAD_RUN_DIR error for `file` (and `line` when known): what is wrong and what to do. */
export function badRunDir(fn: string, file: string, problem: string, options?: { line?: number; cause?: unknown }): MmauxTrainerError {
  const where = options?.line === undefined ? file : `${file} line ${options.line}`;
  return new MmauxTrainerError(
    'BAD_RUN_DIR',
    `${fn}: ${where}: ${problem}; fix or remove that file, or rerun the command that wrote it.`,
    options?.cause === undefined ? undefined : { cause: options.cause },
  );
}

/** Whether `path` exists and is a file (`'file'`), a directory (`'dir'`), or neither (`null`). */
export async function pathKind(path: string): Promise<'file' | 'dir' | null> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

async function readText(fn: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw badRunDir(fn, file, code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? String(cause)})`, { cause });
  }
}

/** Where strict JSON first fails in `text` (1-based line and column) and why, or undefined. */
function jsonErrorAt(text: string): { line: number; column: number; problem: string } | undefined {
  // V8's JSON.parse messages give a position for some errors but not for others ("Unexpected
  // token 'o', ..."), so jsonc-parser's scanner, with comments and trailing commas refused as
  // JSON.parse refuses them, says where the text breaks. Its first error is JSON.parse's.
  let at: { line: number; column: number; problem: string } | undefined;
  visit(
    text,
    {
      onError: (code, _offset, _length, line, character) => {
        at ??= { line: line + 1, column: character + 1, problem: printParseErrorCode(code) };
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return at;
}

function parseJson(fn: string, file: string, text: string, lineOffset?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    const at = jsonErrorAt(text);
    const line = lineOffset ?? at?.line;
    const where = at === undefined ? '' : `: ${at.problem} at column ${at.column}`;
    throw badRunDir(fn, file, `is not valid JSON${where} (${message})`, { line, cause });
  }
}

/**
 * Reads a JSON file that must hold an object.
 *
 * @param fn - the calling function's name, for the error message
 * @param file - the file's path
 * @returns the parsed object
 * @throws MmauxTrainerError `BAD_RUN_DIR` when the file is missing, unreadable, not JSON or not an object
 */
export async function readJsonObject(fn: string, file: string): Promise<JsonObject> {
  const value = parseJson(fn, file, await readText(fn, file));
  if (!isObject(value)) throw badRunDir(fn, file, `must hold a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  return value;
}

/**
 * Reads an optional JSON object file: `undefined` when it does not exist.
 *
 * @param fn - the calling function's name, for the error message
 * @param file - the file's path
 * @returns the parsed object, or undefined when the file is absent
 * @throws MmauxTrainerError `BAD_RUN_DIR` when the file exists but is not a JSON object
 */
export async function readOptionalJsonObject(fn: string, file: string): Promise<JsonObject | undefined> {
  return (await pathKind(file)) === null ? undefined : readJsonObject(fn, file);
}

/**
 * Reads a JSONL file whose lines are objects; blank lines are skipped.
 *
 * @param fn - the calling function's name, for the error message
 * @param file - the file's path
 * @returns each non-blank line's object with its 1-based line number
 * @throws MmauxTrainerError `BAD_RUN_DIR` naming the file and line of the first bad line
 */
export async function readJsonLines(fn: string, file: string): Promise<{ line: number; value: JsonObject }[]> {
  const text = await readText(fn, file);
  const out: { line: number; value: JsonObject }[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    const value = parseJson(fn, file, raw, i + 1);
    if (!isObject(value)) throw badRunDir(fn, file, 'must hold one JSON object per line', { line: i + 1 });
    out.push({ line: i + 1, value });
  });
  return out;
}
