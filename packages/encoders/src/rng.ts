/** @internal splitmix32: a small, well-mixed seeded generator of uint32 values. */
export function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** @internal Fills `out` with standard normal values (Box–Muller) from a uint32 generator. */
export function fillGaussian(next: () => number, out: Float32Array, scale: number): void {
  for (let i = 0; i < out.length; i += 2) {
    const u1 = ((next() >>> 8) + 1) / 16777217; // (0, 1]
    const u2 = (next() >>> 8) / 16777216; // [0, 1)
    const r = Math.sqrt(-2 * Math.log(u1)) * scale;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
}
