// Seeded pseudo-randomness for the deterministic core: Temporal workflows replay, so anything
// random must come from a seed, never Math.random.

/** A generator of floats in [0, 1); each call advances its state. */
export type Random = () => number;

/**
 * mulberry32: a 32-bit-state generator, fast and good enough for shuffling rows (not for
 * cryptography). The seed is taken modulo 2^32, so seeds that differ by 2^32 are the same.
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fisher-Yates shuffle into a new array. Walks from the last position down, swapping
 * position i with floor(random() * (i + 1)), so the sequence of draws is fixed by the seed.
 */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const held = out[i]!;
    out[i] = out[j]!;
    out[j] = held;
  }
  return out;
}
