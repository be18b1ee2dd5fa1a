// Malformed JSON in run and grid files: the message names the file, the line and column where
// the text stops being JSON (found by jsonc-parser), what is wrong there, and JSON.parse's words.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MmauxTrainerError } from '../src/errors.js';
import { readJsonLines, readJsonObject } from '../src/read-files.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mmaux-read-files-'));
  dirs.push(dir);
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function message(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => expect.fail('expected a MmauxTrainerError'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MmauxTrainerError);
  expect((err as MmauxTrainerError).code).toBe('BAD_RUN_DIR');
  expect((err as MmauxTrainerError).cause).toBeInstanceOf(SyntaxError);
  return (err as MmauxTrainerError).message;
}

describe('JSON errors name the line and column', () => {
  it.each([
    // V8 gives no position for a bad token; the line and column still come.
    ['a bare word', '{\n  "dataset": "tir",\n  "model": oops\n}\n', 'line 3: is not valid JSON: InvalidSymbol at column 12'],
    ['a leading zero', '{\n  "seed": 01\n}', 'line 2: is not valid JSON: CommaExpected at column 12'],
    ['a truncated file', '{\n  "dataset": "tir"\n', 'line 3: is not valid JSON: CloseBraceExpected at column 1'],
    ['a trailing comma (JSON.parse refuses it too)', '{"a": 1,\r\n}', 'line 2: is not valid JSON: PropertyNameExpected at column 1'],
    ['a comment', '{"a": 1} // why\n', 'line 1: is not valid JSON: InvalidCommentToken at column 10'],
  ])('%s', async (_what, text, expected) => {
    const path = await file('config.json', text);
    const m = await message(readJsonObject('renderRunReport', path));
    expect(m).toContain(`${path} ${expected} (`);
    expect(m).toMatch(/JSON/);
  });

  it('in a JSONL file: the line of the file and the column in that line', async () => {
    const path = await file('metrics.jsonl', '{"epoch": 1}\n\n{"epoch": 2, "loss": .5}\n');
    expect(await message(readJsonLines('renderRunReport', path))).toContain(`${path} line 3: is not valid JSON: InvalidSymbol at column 22 (`);
  });
});
