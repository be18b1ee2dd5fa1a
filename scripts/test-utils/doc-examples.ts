// Runs the TSDoc @example blocks of a package's src/ so documentation cannot drift from code.
// A line `expr; // value` (or `// ≈ value`) is checked: value is JSON, numbers compared to the
// precision they are written with (0.0486 means ±0.00005; 2 means exactly 2). Other comments
// are prose.
import { readdirSync, readFileSync } from 'node:fs';
import { transform } from 'esbuild';
import { expect } from 'vitest';

export interface DocExample {
  file: string;
  code: string;
}

/** Every ```ts block under an @example tag in the .ts files (not tests) of `srcDir` and its subfolders. */
export function collectExamples(srcDir: URL): DocExample[] {
  const out: DocExample[] = [];
  const entries = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }) as string[];
  for (const file of entries.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort()) {
    const text = readFileSync(new URL(file, srcDir), 'utf8');
    for (const m of text.matchAll(/@example\s*\n\s*\* ```ts\n([\s\S]*?)\n\s*\* ```/g)) {
      out.push({ file, code: m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join('\n') });
    }
  }
  return out;
}

/** Half a unit in the last digit of the shortest representation of `x` (0 for integers). */
function precisionOf(x: number): number {
  const [mantissa, exponent] = String(x).toLowerCase().split('e');
  if (!mantissa!.includes('.') && exponent === undefined) return 1e-9 * Math.max(1, Math.abs(x));
  const decimals = mantissa!.includes('.') ? mantissa!.split('.')[1]!.length : 0;
  return 0.5 * 10 ** (Number(exponent ?? 0) - decimals) * 1.0001;
}

function compare(actual: unknown, expected: unknown, path: string, documented: string): void {
  const fail = () => expect.fail(`documented ${documented} but got ${JSON.stringify(actual)} (at ${path || 'top'})`);
  if (typeof expected === 'number') {
    const got = Number(actual);
    if (!(Math.abs(got - expected) <= precisionOf(expected))) fail();
  } else if (Array.isArray(expected)) {
    const got = Array.from(actual as ArrayLike<unknown>);
    if (got.length !== expected.length) fail();
    expected.forEach((e, i) => compare(got[i], e, `${path}[${i}]`, documented));
  } else if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') fail();
    for (const [k, e] of Object.entries(expected)) compare((actual as Record<string, unknown>)[k], e, `${path}.${k}`, documented);
  } else if (actual !== expected) {
    fail();
  }
}

/** Asserts `actual` matches the JSON written in an example's comment. */
export function checkDocumented(actual: unknown, documented: string): void {
  let expected: unknown;
  try {
    expected = JSON.parse(documented);
  } catch {
    expect.fail(`the example comment "// ${documented}" looks like a value but is not JSON`);
  }
  compare(typeof actual === 'boolean' ? Number(actual) : actual, typeof expected === 'boolean' ? Number(expected) : expected, '', documented);
}

const CHECKED_LINE = /^(\s*)(?!const |let |\/\/)(.+?);\s*\/\/\s*(?:≈\s*)?((?:[-\d[{"]|true\b|false\b|null\b).*?)\s*$/;

/**
 * Compiles an example to JavaScript, turning each checked line into
 * `__check(expr, "value")`, and runs it with `scope` (plus `__check`) as its free variables.
 */
export async function runExample(code: string, scope: Record<string, unknown>): Promise<void> {
  const checked = code
    .split('\n')
    .map((line) => {
      const m = CHECKED_LINE.exec(line);
      return m ? `${m[1]}__check(${m[2]}, ${JSON.stringify(m[3])});` : line;
    })
    .join('\n');
  const { code: js } = await transform(checked, { loader: 'ts', format: 'esm' });
  const names = [...Object.keys(scope), '__check'];
  const run = new Function(...names, `return (async () => {\n${js}\n})();`);
  await run(...Object.values(scope), checkDocumented);
}

/** The exported functions and classes of `api` that no example mentions. */
export function undocumented(api: Record<string, unknown>, examples: DocExample[]): string[] {
  const text = examples.map((e) => e.code).join('\n');
  return Object.entries(api)
    .filter(([, v]) => typeof v === 'function')
    .map(([k]) => k)
    .filter((name) => !new RegExp(`\\b${name}\\b`).test(text));
}
