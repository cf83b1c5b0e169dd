import { setTimeout as sleep } from 'node:timers/promises';
import type { GeneratedRecord, TrafficGenerator } from './generator.js';

export interface PaceOptions {
  /** Stop after this many seconds of schedule (default: never). */
  durationSeconds?: number;
  /** Stops the iteration (the current batch is still yielded). */
  signal?: AbortSignal;
  /** Granularity of the pacing sleep in ms (default 10). */
  tickMs?: number;
  /** Clock (ms), for tests. Default `performance.now()`. */
  now?: () => number;
}

/**
 * Yields the generator's records in real time: each tick, every record whose schedule offset has
 * passed, as one array (so high rates do not cost one timer per record). Falling behind (a slow
 * sink) yields bigger batches rather than dropping records.
 */
export async function* pace(
  gen: TrafficGenerator,
  opts: PaceOptions = {},
): AsyncGenerator<GeneratedRecord[]> {
  const now = opts.now ?? (() => performance.now());
  const tickMs = opts.tickMs ?? 10;
  const limitMs = (opts.durationSeconds ?? Number.POSITIVE_INFINITY) * 1000;
  const t0 = now();
  let next = gen.next();
  while (!opts.signal?.aborted && next.offsetMs < limitMs) {
    const elapsed = now() - t0;
    const due: GeneratedRecord[] = [];
    while (next.offsetMs <= elapsed && next.offsetMs < limitMs) {
      due.push(next);
      next = gen.next();
    }
    if (due.length > 0) yield due;
    const wait = Math.min(tickMs, Math.max(0, next.offsetMs - (now() - t0)));
    if (wait > 0) await sleep(wait);
  }
}
