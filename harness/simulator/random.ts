/**
 * The one seeded pseudo-random generator of the tools: the simulator's clicks, the local pipeline's
 * injected failures, the benchmark's clickstream and the tests' generated streams all draw from it,
 * so one seed reproduces a whole run (the lab's bash loop used `$RANDOM`, which cannot be replayed).
 */

/** Returns numbers in [0, 1), deterministic for a given seed. */
export type RandomUnit = () => number;

/** Returns integers in [0, n), deterministic for a given seed. */
export type RandomInt = (n: number) => number;

/**
 * mulberry32: 32 bits of state, good enough to pick users, event names and failures, and identical
 * on every platform because it uses only 32-bit integer arithmetic.
 *
 * @example
 * const next = seededRandom(7); next() // -> the same number in [0, 1) on every run with seed 7
 */
export function seededRandom(seed: number): RandomUnit {
  let state = seed >>> 0;
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Integers from the same sequence: `next(n)` is `floor(unit * n)` of the next number.
 *
 * @example
 * const pick = seededRandomInt(7); ["a", "b", "c"][pick(3)] // -> the same letter on every run
 */
export function seededRandomInt(seed: number): RandomInt {
  const unit = seededRandom(seed);
  return (n: number): number => Math.floor(unit() * n);
}
