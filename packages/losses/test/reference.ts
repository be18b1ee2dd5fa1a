// Independent float64 implementations written straight from the formulas, used to check the
// tfjs losses where no golden file exists (group ids, label smoothing, SigLIP) and, through
// central finite differences, their gradients.

export type Matrix = number[][];

const logSumExp = (xs: number[]): number => {
  const m = Math.max(...xs);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
};

export function normalizeRows(x: Matrix): Matrix {
  return x.map((row) => {
    const norm = Math.max(Math.sqrt(row.reduce((a, v) => a + v * v, 0)), 1e-12);
    return row.map((v) => v / norm);
  });
}

export function referenceLogits(text: Matrix, image: Matrix, logitScale: number): Matrix {
  const t = normalizeRows(text);
  const v = normalizeRows(image);
  const c = Math.exp(logitScale);
  return t.map((ti) => v.map((vj) => c * ti.reduce((a, x, k) => a + x * vj[k]!, 0)));
}

const transpose = (m: Matrix): Matrix => m[0]!.map((_, j) => m.map((row) => row[j]!));

function multiPositiveRows(s: Matrix, same: (i: number, j: number) => boolean, eps: number): number {
  const n = s.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = s[i]!;
    const lse = logSumExp(row);
    const pos = logSumExp(row.filter((_, j) => same(i, j)));
    const mean = row.reduce((a, b) => a + b, 0) / n;
    total += (1 - eps) * (lse - pos) + eps * (lse - mean);
  }
  return total / n;
}

export function referenceItc(logits: Matrix, groups?: Array<string | number>, eps = 0): number {
  const same = (i: number, j: number) => i === j || (groups !== undefined && groups[i] === groups[j]);
  return (multiPositiveRows(logits, same, eps) + multiPositiveRows(transpose(logits), same, eps)) / 2;
}

export function referenceSiglip(
  text: Matrix,
  image: Matrix,
  logitScale: number,
  bias: number,
  groups?: Array<string | number>,
): number {
  const s = referenceLogits(text, image, logitScale);
  const n = s.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const y = i === j || (groups !== undefined && groups[i] === groups[j]) ? 1 : -1;
      const z = y * (s[i]![j]! + bias);
      // −log σ(z) = softplus(−z)
      total += Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }
  }
  return total / n;
}

export function referenceCrossEntropy(logits: Matrix, labels: number[], weights?: number[], normalize: 'batch' | 'weights' = 'batch'): number {
  let num = 0;
  let den = 0;
  logits.forEach((row, i) => {
    const w = weights ? weights[labels[i]!]! : 1;
    num += w * (logSumExp(row) - row[labels[i]!]!);
    den += w;
  });
  return normalize === 'batch' ? num / logits.length : den === 0 ? 0 : num / den;
}

/** Central finite differences of f with respect to every entry of x (float64). */
export function numericGradient(f: (x: Matrix) => number, x: Matrix, h = 1e-6): Matrix {
  return x.map((row, i) =>
    row.map((_, j) => {
      const plus = x.map((r) => r.slice());
      const minus = x.map((r) => r.slice());
      plus[i]![j]! += h;
      minus[i]![j]! -= h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}

export function numericDerivative(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** Deterministic pseudo-random matrix (no tfjs randomness, so tests are reproducible). */
export function seededMatrix(rows: number, cols: number, seed: number, scale = 1): Matrix {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (next() * 2 - 1) * scale));
}
