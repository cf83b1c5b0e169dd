import { finish } from '../domain/event-id.js';
import type { WindowStats } from '../domain/partial.js';
import type { AggregateValue } from './aggregates.js';

// One shared view to read a double's two 32-bit words (no allocation per number).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * A 52-bit hash of a window's result (end, statistics, the query's outputs in the query's order),
 * as base-36 text: what a group keeps per emitted window to tell a changed result from an
 * unchanged one. Short, unlike the JSON text of the result (which cost about as much per window):
 * a durable group stores one per emitted window. Numbers are hashed by their bits, so every
 * change of a value changes the input; two different results share a digest with probability
 * ≈ 2⁻⁵², and then the change is not emitted.
 */
export function resultDigest(
  endMs: number,
  stats: WindowStats,
  results: Record<string, AggregateValue>,
): string {
  ha = 0x811c9dc5;
  hb = 0x9747b28c;
  mix(endMs);
  mix(stats.count);
  mix(stats.sum);
  mix(stats.min);
  mix(stats.max);
  mix(stats.mean);
  mix(stats.p50);
  mix(stats.p90);
  mix(stats.p99);
  for (const name in results) {
    const v = results[name]!;
    if (typeof v === 'number') {
      mix(v);
      continue;
    }
    mix(v.length);
    for (const item of v) {
      mix(item.value.length);
      for (let i = 0; i < item.value.length; i++) mix(item.value.charCodeAt(i));
      mix(item.count);
    }
  }
  return finish(ha, hb).toString(36);
}

// The two lanes of the hash being computed (module state, not a closure per call: the bundle
// keeps function names, which costs a call per closure created).
let ha = 0;
let hb = 0;

function mix(x: number): void {
  f64[0] = x;
  const lo = u32[0]!;
  const hi = u32[1]!;
  ha = Math.imul(Math.imul(ha ^ lo, 0x01000193) ^ hi, 0x01000193);
  hb = Math.imul(Math.imul(hb ^ hi, 0x5bd1e995) ^ lo, 0x5bd1e995);
  hb ^= hb >>> 13;
}
