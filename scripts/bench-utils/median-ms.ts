/**
 * Milliseconds of one call of `f`: the median of `runs` timed calls after one warm-up call.
 * Shared by the packages' benchmarks (`pnpm bench`); nothing here is asserted in tests.
 */
export async function medianMs(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)]!;
}
