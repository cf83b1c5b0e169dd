// CPU of one window's flush, without I/O: `--events` events over `--series` series in deltas of
// `--per-delta` events (as lanes append them), stored encoded; the flush decodes them (as it does
// reading DynamoDB), merges them by event id, plans the flush state and builds and serialises
// every window event (as the aggregates sink does). Prints ms per flush, µs per event and per
// series: the `flushCpu` inputs of packages/capacity's scale model.
//
//   npx tsx bench/flush-cpu.ts [--events 60000] [--series 2000] [--per-delta 1000] [--runs 5]
//   NODE_OPTIONS=--expose-gc npx tsx bench/flush-cpu.ts ...   (live heap only)
import { parseArgs } from 'node:util';
import { createRng } from '@streamlens/bench';
import { decodeDelta, encodeDelta } from '../src/domain/delta-codec.js';
import { DEFAULT_ENGINE_CONFIG } from '../src/domain/engine.js';
import { idHashOf } from '../src/domain/event-id.js';
import { WindowFlusher } from '../src/domain/flush.js';
import type {
  DirtyMarker,
  FlushState,
  MetricsWindowEvent,
  StateStore,
  WindowDelta,
  WindowEvents,
} from '../src/domain/types.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '60000' },
    series: { type: 'string', default: '2000' },
    'per-delta': { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
  },
});
const events = Number(args.events);
const seriesCount = Number(args.series);
const perDelta = Number(args['per-delta']);
const runs = Number(args.runs);
const W = Date.UTC(2026, 11, 8, 12, 0, 0);

// Deltas of one window: each holds `perDelta` events spread over the series at random.
const rng = createRng(7);
const rand = () => rng.next();
const stored: Uint8Array[] = [];
for (let d = 0, n = 0; n < events; d++) {
  const bySeries = new Map<number, WindowEvents>();
  for (let i = 0; i < perDelta && n < events; i++, n++) {
    const s = Math.floor(rand() * seriesCount);
    let e = bySeries.get(s);
    if (e === undefined) {
      const series = `cpu.load|host=h${s}`;
      e = {
        meta: { series, kind: 'telemetry', metric: 'cpu.load', dimensions: { host: `h${s}` } },
        windowStartMs: W,
        ids: [],
        values: [],
        late: [],
      };
      bySeries.set(s, e);
    }
    e.ids.push(idHashOf(`e-${n}`));
    e.values.push(Math.round(rand() * 10_000) / 100);
    e.late.push(0);
  }
  stored.push(
    encodeDelta({
      lane: `lane-${d}`,
      version: 1,
      pos: { seq: String(d), sub: 0 },
      maxEventMs: W + 59_000,
      at: 0,
      entries: [...bySeries.values()],
    }),
  );
}

/** The window's deltas and flush state in memory; every delta decoded on each read. */
class InMemory implements StateStore {
  states = new Map<number, FlushState>();
  async loadHeads() {
    return new Map();
  }
  async markWindows() {}
  async appendDelta(): Promise<'ok'> {
    return 'ok';
  }
  async dueMarkers() {
    return [];
  }
  async allMarkers() {
    return [];
  }
  async windowDeltas(): Promise<WindowDelta[]> {
    return stored.map((b, d) => ({
      lane: `lane-${d}`,
      version: 1,
      entries: () => {
        // Mid-merge (every 50th delta): the merge's maps so far, and this delta decoded.
        if (++decoded % 50 === 0) sampleHeap();
        return decodeDelta(b, W).entries;
      },
    }));
  }
  async getFlushStates() {
    return new Map(this.states);
  }
  async putFlushState(_w: number, shard: number, state: FlushState): Promise<'ok'> {
    // Called once the window is merged and planned, its merge still in scope.
    sampleHeap();
    this.states.set(shard, state);
    return 'ok';
  }
  async clearMarker() {}
}

const marker: DirtyMarker = {
  windowStartMs: W,
  windowEndMs: W + 60_000,
  lane: 'lane-0',
  token: '1',
  at: 0,
};
let bytes = 0;
// Heap in use during the merge (sampled every 50 deltas), when the flush state is written and
// when the events are sent, above the heap before the flush: the memory one window's flush
// needs. With --expose-gc (NODE_OPTIONS) garbage is collected before each sample, so that only
// live objects count; the timings of such a run include those collections.
const gc = (globalThis as { gc?: () => void }).gc;
let heapBefore = 0;
let heapAtSend = 0;
let decoded = 0;
function sampleHeap(): void {
  gc?.();
  heapAtSend = Math.max(heapAtSend, process.memoryUsage().heapUsed - heapBefore);
}
const sink = {
  async emit(list: readonly MetricsWindowEvent[]) {
    sampleHeap();
    for (const e of list) bytes += JSON.stringify(e).length;
  },
};
const times: number[] = [];
for (let r = 0; r < runs; r++) {
  // A fresh state each run: every series is new, so every one is planned, built and sent.
  const flusher = new WindowFlusher(DEFAULT_ENGINE_CONFIG, new InMemory(), sink, Date.now);
  gc?.();
  heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const sent = await flusher.flush([marker], Number.POSITIVE_INFINITY);
  times.push(performance.now() - t0);
  if (r === 0) console.log(`${sent} window events sent per flush`);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
console.log(
  `${events} events, ${seriesCount} series, ${stored.length} deltas: flush median ${median.toFixed(0)} ms ` +
    `(runs ${times.map((t) => t.toFixed(0)).join(', ')}); ${((median * 1000) / events).toFixed(2)} µs per event, ` +
    `${((median * 1000) / seriesCount).toFixed(1)} µs per series; ${(bytes / runs / seriesCount).toFixed(0)} B per window event; ` +
    `peak heap sampled ≤ ${(heapAtSend / 2 ** 20).toFixed(0)} MiB above the start (${(heapAtSend / events).toFixed(0)} B per event)`,
);
