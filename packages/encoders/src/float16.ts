const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Converts one float32 value to IEEE 754 binary16 bits with round-to-nearest-even, as
 * NumPy's `astype(np.float16)` does: values beyond ±65504 round to ±Infinity (65520 and up),
 * tiny values become subnormals or ±0, NaN stays NaN, the sign of zero is kept.
 *
 * @param value - any number (first rounded to float32)
 * @returns the 16 bits as an integer in [0, 65535]
 *
 * @example
 * ```ts
 * toFloat16Bits(1); // 15360
 * toFloat16Bits(-2); // 49152
 * toFloat16Bits(65504); // 31743
 * toFloat16Bits(65520); // 31744
 * toFloat16Bits(1 + 2 ** -11); // 15360
 * toFloat16Bits(1 + 3 * 2 ** -11); // 15362
 * ```
 */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    // subnormal half (or zero): shift the full mantissa (with its hidden bit) right
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    const rounded = rem > mid || (rem === mid && (half & 1) === 1) ? half + 1 : half;
    return sign | rounded;
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // carrying into the exponent is right: it yields the next power of two, or Infinity
  const rounded = rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1) ? half + 1 : half;
  return sign | rounded;
}

/**
 * Converts binary16 bits back to a number (exact: every half value is a float32 value).
 *
 * @param bits - an integer in [0, 65535]
 * @returns the value
 *
 * @example
 * ```ts
 * fromFloat16Bits(15360); // 1
 * fromFloat16Bits(1); // 5.960464477539063e-8
 * fromFloat16Bits(31744) === Infinity; // true
 * ```
 */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/**
 * {@link toFloat16Bits} over an array: float32 features to the half-precision storage of the
 * feature cache. Relative error at most 2⁻¹¹ for |x| in [6.1e-5, 65504]; absolute error at most
 * 2⁻²⁵ below that.
 *
 * @param values - float32 values
 * @returns one `Uint16Array` element per value
 *
 * @example
 * ```ts
 * Array.from(float32ToFloat16(new Float32Array([0.1, -0.5]))); // [11878, 47104]
 * Array.from(float16ToFloat32(float32ToFloat16(new Float32Array([0.1])))); // [0.0999755859375]
 * ```
 */
export function float32ToFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  // the same rounding as toFloat16Bits, inlined over the float32 bit patterns
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i] as number;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    const e = exp - 112;
    if (e > 0 && e < 0x1f) {
      const mant = x & 0x7fffff;
      const half = (e << 10) | (mant >>> 13);
      const rem = mant & 0x1fff;
      out[i] = sign | (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1) ? half + 1 : half);
    } else {
      out[i] = toFloat16Bits(values[i] as number);
    }
  }
  return out;
}

/**
 * {@link fromFloat16Bits} over an array.
 *
 * @param bits - half-precision bit patterns
 * @returns float32 values
 *
 * @example
 * ```ts
 * Array.from(float16ToFloat32(new Uint16Array([15360, 49152]))); // [1, -2]
 * ```
 */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  table ??= Float32Array.from({ length: 0x10000 }, (_, b) => fromFloat16Bits(b));
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i] as number] as number;
  return out;
}

/** All 65536 half values as float32, built on first use (256 KiB). */
let table: Float32Array | undefined;
