// Weighted, sticky choice of a model version per request: a routing key hashes to a point in
// [0, 10000) basis points, and each version owns a contiguous slice of that range sized by its weight.
//
// Ordering rule: slices are laid out from the low end of the range in descending version number, so
// the newest version always starts at 0. Growing the newest version's share at the expense of the
// version just older than it (the usual canary step, 10% -> 25%) only extends the newest slice upward:
// every key already on the canary stays there, and only keys in the newly added band move.
// Other reshuffles (say, changing two older versions' weights) may move more keys than needed.

/** Traffic share per version, in whole percent: version number (as a string) -> 0..100. */
export type TrafficWeights = Record<string, number>;

const BASIS_POINTS = 10000;
const versionPattern = /^[1-9][0-9]*$/;

/** Problems with a weight table, one message each; empty when it is valid. */
export function validateWeights(weights: TrafficWeights): string[] {
  const errors: string[] = [];
  const versions = Object.keys(weights);
  if (versions.length === 0) return ['no versions: at least one version must take traffic'];
  let sum = 0;
  let anyPositive = false;
  for (const version of versions) {
    if (!versionPattern.test(version)) errors.push(`version '${version}' is not a positive integer without leading zeros`);
    const weight = weights[version]!;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
      errors.push(`weight of version '${version}' must be an integer from 0 to 100, got ${String(weight)}`);
      continue;
    }
    sum += weight;
    if (weight > 0) anyPositive = true;
  }
  if (errors.length > 0) return errors;
  if (!anyPositive) errors.push('every weight is 0: at least one version must take traffic');
  else if (sum !== 100) errors.push(`weights sum to ${sum}, not 100`);
  return errors;
}

/**
 * MurmurHash3 (x86, 32-bit, seed 0) of the key's UTF-8 bytes, as an unsigned integer. Matches other
 * implementations (Python's `mmh3.hash(key, signed=False)`, Guava's murmur3_32_fixed) so routing can
 * be reproduced outside Windsock. Lone surrogates are encoded as U+FFFD, as TextEncoder does.
 * Encodes on the fly, so hashing allocates nothing.
 */
export function stableHash(key: string): number {
  let h = 0;
  let block = 0;
  let filled = 0;
  let length = 0;
  for (let i = 0; i < key.length; i++) {
    let code = key.charCodeAt(i);
    let bytes: number;
    let count: number;
    if (code < 0x80) {
      bytes = code;
      count = 1;
    } else if (code < 0x800) {
      bytes = (0xc0 | (code >>> 6)) | ((0x80 | (code & 0x3f)) << 8);
      count = 2;
    } else {
      if (code >= 0xd800 && code < 0xe000) {
        const next = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
        if (code < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
          code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          code = 0xfffd;
        }
      }
      if (code < 0x10000) {
        bytes = (0xe0 | (code >>> 12)) | ((0x80 | ((code >>> 6) & 0x3f)) << 8) | ((0x80 | (code & 0x3f)) << 16);
        count = 3;
      } else {
        bytes = (0xf0 | (code >>> 18)) | ((0x80 | ((code >>> 12) & 0x3f)) << 8) | ((0x80 | ((code >>> 6) & 0x3f)) << 16) | ((0x80 | (code & 0x3f)) << 24);
        count = 4;
      }
    }
    for (let b = 0; b < count; b++) {
      block |= ((bytes >>> (8 * b)) & 0xff) << (8 * filled);
      length++;
      if (++filled === 4) {
        h ^= scramble(block);
        h = (h << 13) | (h >>> 19);
        h = (Math.imul(h, 5) + 0xe6546b64) | 0;
        block = 0;
        filled = 0;
      }
    }
  }
  if (filled > 0) h ^= scramble(block);
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function scramble(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

/**
 * The version a routing key goes to. The same key and weights always give the same version, on any
 * runtime. Versions with weight 0 receive nothing. Throws on weights that fail validateWeights: they
 * are checked when written, so reaching here with bad ones is a bug.
 */
export function pickVersion(weights: TrafficWeights, routingKey: string): string {
  assertValidWeights(weights);
  // Laid out afresh: the caller may change this table later, so its layout is not kept.
  return pickFromSlices(layOut(weights), routingKey);
}

/** Throws on weights that fail validateWeights. */
export function assertValidWeights(weights: TrafficWeights): void {
  const errors = validateWeights(weights);
  if (errors.length > 0) throw new Error(`invalid traffic weights: ${errors.join('; ')}`);
}

/**
 * pickVersion for weights already checked (by assertValidWeights when a cache was filled), so the
 * request path does not validate them again on every request. The table must not change afterwards:
 * its slices are laid out once per object.
 */
export function pickFromValidatedWeights(weights: TrafficWeights, routingKey: string): string {
  let slices = slicesByTable.get(weights);
  if (!slices) slicesByTable.set(weights, (slices = layOut(weights)));
  return pickFromSlices(slices, routingKey);
}

function pickFromSlices({ versions, uppers }: Slices, routingKey: string): string {
  const point = stableHash(routingKey) % BASIS_POINTS;
  for (let i = 0; i < versions.length; i++) if (point < uppers[i]!) return versions[i]!;
  // Unreachable: validated weights sum to 100, so the oldest version's slice ends at BASIS_POINTS.
  throw new Error('traffic weights do not cover the hash range');
}

interface Slices {
  /** Newest first, as the slices are laid out from 0. */
  versions: string[];
  /** Exclusive upper bound of each version's slice, in basis points. */
  uppers: number[];
}

// The layout of a checked table, kept per table object for pickFromValidatedWeights, whose callers
// route many requests with one cached table and do not change it.
const slicesByTable = new WeakMap<TrafficWeights, Slices>();

function layOut(weights: TrafficWeights): Slices {
  // Integer-like keys already enumerate in ascending numeric order, so the sort is usually skipped.
  const ascending = Object.keys(weights);
  if (!isAscending(ascending)) ascending.sort(compareVersions);
  const versions = ascending.reverse();
  const uppers: number[] = [];
  let upper = 0;
  for (const version of versions) uppers.push((upper += weights[version]! * (BASIS_POINTS / 100)));
  return { versions, uppers };
}

// Versions are validated digit strings without leading zeros: longer is larger, then lexical order.
function compareVersions(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isAscending(versions: readonly string[]): boolean {
  for (let i = 1; i < versions.length; i++) if (compareVersions(versions[i - 1]!, versions[i]!) > 0) return false;
  return true;
}
