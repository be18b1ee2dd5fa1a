/**
 * A byte count for people: binary units (KiB, MiB, GiB, TiB), three significant digits.
 *
 * @param bytes - a non-negative number
 * @returns e.g. `"1.50 MiB"`
 *
 * @example
 * ```ts
 * formatBytes(512); // "512 B"
 * formatBytes(1536); // "1.50 KiB"
 * formatBytes(5 * 1024 ** 3); // "5.00 GiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}
