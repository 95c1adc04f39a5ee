/**
 * A small seeded pseudo-random generator, so one `--seed` reproduces a whole simulated clickstream
 * (the lab's bash loop used `$RANDOM`, which cannot be replayed).
 */

/** Returns integers in [0, n), deterministic for a given seed. */
export type RandomInt = (n: number) => number;

/**
 * mulberry32: 32 bits of state, good enough to pick users and event names, and identical on every
 * platform because it uses only 32-bit integer arithmetic.
 *
 * @example
 * const next = seededRandom(7); next(3) // -> the same value on every run with seed 7
 */
export function seededRandom(seed: number): RandomInt {
  let state = seed >>> 0;
  return (n: number): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.floor(unit * n);
  };
}
