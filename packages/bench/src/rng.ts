/**
 * A small seeded PRNG (mulberry32). Workloads must be byte-identical across runs and machines so
 * that ratios compare like with like; Math.random cannot be seeded.
 *
 * @example
 * const rng = createRng(42);
 * rng.int(0, 10); // same value on every run
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Lowercase hex string of `length` characters. */
  hex(length: number): string;
}

/** Creates a deterministic generator from a 32-bit seed. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    chance: (p) => next() < p,
    hex: (length) => {
      let out = '';
      while (out.length < length) {
        out += Math.floor(next() * 4294967296)
          .toString(16)
          .padStart(8, '0');
      }
      return out.slice(0, length);
    },
  };
}
