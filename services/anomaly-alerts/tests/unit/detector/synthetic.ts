import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from '../../../src/detector/config.js';
import { type Point, type Scored, update } from '../../../src/detector/detector.js';
import { type DetectorState, initialState } from '../../../src/detector/state.js';

export type { Point };

export const STEP_MS = 5 * 60_000;
export const DAY_MS = 86_400_000;
export const T0 = Date.UTC(2026, 0, 5); // a Monday

/** Seeded PRNG (mulberry32): tests are reproducible; the detector itself uses no randomness. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller) from a seeded PRNG. */
export function gaussian(seed: number): () => number {
  const u = rng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** A regular series: value(i) at T0 + i * step. */
export function series(n: number, value: (i: number) => number, stepMs = STEP_MS): Point[] {
  return Array.from({ length: n }, (_, i) => ({ timestampMs: T0 + i * stepMs, value: value(i) }));
}

/** Run the detector over points from a fresh state. */
export function run(
  points: readonly Point[],
  config: DetectorConfig = DEFAULT_DETECTOR_CONFIG,
): { scored: Scored[]; state: DetectorState } {
  let state = initialState(config);
  const scored: Scored[] = [];
  for (const p of points) {
    const r = update(state, p, config);
    state = r.state;
    scored.push(r.scored);
  }
  return { scored, state };
}

/** Largest score in [from, to). */
export function maxScore(scored: readonly Scored[], from: number, to = scored.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, scored[i]!.score);
  return m;
}
