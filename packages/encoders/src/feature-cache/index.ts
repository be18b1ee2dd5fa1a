// The feature cache, by stage:
// - layout.ts: folder and file names, encoder.json and index records, a folder's bookkeeping
// - indexes.ts: reading encoder.json and the shard indexes (which key is in which shard and row)
// - write-buffer.ts: an encoder's output split into rows, buffered for writing
// - shard-writer.ts: buffered rows written as a shard and its index (locked, atomic)
// - shard-pool.ts: shards opened and verified (checksums) once, a few kept open
// - read-entries.ts: entries read with positional reads of just the bytes asked for
// - assemble.ts: entries batched into the layout an encoder returns
// - stats.ts: size on disk
// feature-cache.ts is the public class that strings them together.
export { FeatureCache } from './feature-cache.js';
export type {
  CacheDtype,
  CachedEntry,
  CachedImageEntry,
  CachedTextEntry,
  CacheReadOptions,
  CacheSequence,
  CacheStats,
  CacheStore,
  EncoderCacheStats,
  EncoderDescriptor,
  FeatureCacheOptions,
  VerifyReport,
} from './types.js';
