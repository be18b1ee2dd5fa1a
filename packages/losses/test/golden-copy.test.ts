import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_DIR } from './golden.js';

// fixtures/golden is a copy of the project's shared reference set (../shared/golden beside the
// repository) so that tests run from a fresh clone. Where the original is present, they must agree.
const SHARED = new URL('../../../../shared/golden/', import.meta.url);

describe('fixtures/golden', () => {
  it.skipIf(!existsSync(SHARED))('is byte-identical to ../shared/golden', () => {
    const names = readdirSync(SHARED).sort();
    expect(readdirSync(GOLDEN_DIR).sort()).toEqual(names);
    for (const name of names) {
      expect(readFileSync(new URL(name, GOLDEN_DIR)).equals(readFileSync(new URL(name, SHARED))), name).toBe(true);
    }
  });
});
