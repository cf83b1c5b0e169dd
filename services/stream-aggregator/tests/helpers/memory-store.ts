import { partialKey } from '../../src/domain/engine.js';
import { PartialAggregate } from '../../src/domain/partial.js';
import type { Position } from '../../src/domain/sequence.js';
import type {
  Checkpoint,
  Commit,
  DirtyMarker,
  MetricsWindowEvent,
  RejectedRecord,
  RejectSink,
  StateStore,
  StoredPartial,
  StoredWindow,
  WindowSink,
} from '../../src/domain/types.js';

type MemoryPartial = {
  version: number;
  json: string;
  lane: string;
  series: string;
  ws: number;
  pos: Position | undefined;
};

/** Error a fault hook throws to simulate throttling. */
export class SimulatedThrottle extends Error {
  override name = 'SimulatedThrottle';
}

/** How a commit fails in tests (see {@link MemoryStore.faults}). */
export type CommitFault = 'throw' | 'lost' | 'rejected';

/** A fault hook failing about `p` of the commits, each way in turn at random. */
export function randomCommitFaults(rand: () => number, p: number): () => CommitFault | undefined {
  const kinds: CommitFault[] = ['throw', 'lost', 'rejected'];
  return () => (rand() < p ? kinds[Math.floor(rand() * kinds.length)] : undefined);
}

/**
 * What DynamoDB answers when a ClientRequestToken comes back within its 10 minutes with other
 * parameters (the same `name`, which the DynamoDB store treats as permanent).
 */
export class IdempotentParameterMismatch extends Error {
  override name = 'IdempotentParameterMismatchException';
}

/** Everything a commit sends except its token: what DynamoDB compares for a reused token. */
export function commitContent(c: Commit): string {
  // PartialAggregate has toJSON; the markers carry the token itself, which is equal by definition.
  return JSON.stringify({
    writer: c.writer,
    checkpoints: c.checkpoints,
    partials: c.partials,
    markers: c.markers.map((m) => ({ ...m, token: undefined })),
  });
}

/**
 * A StateStore in memory with DynamoDB's conditions (versions, tokens) and copy-on-read, so that the
 * engine cannot share objects with the "table". `faults` lets a test fail calls.
 */
export class MemoryStore implements StateStore {
  checkpoints = new Map<string, Checkpoint>();
  partials = new Map<string, MemoryPartial>();
  markers = new Map<string, DirtyMarker>();
  windows = new Map<string, StoredWindow>();
  watermark = Number.NEGATIVE_INFINITY;
  /**
   * ClientRequestTokens seen (DynamoDB keeps them 10 minutes; tests are shorter): the content
   * they were sent with and whether that content was applied. Same token and content again:
   * success without applying twice (or applied now, if it was not); same token, other content:
   * {@link IdempotentParameterMismatch}, as DynamoDB answers.
   */
  tokens = new Map<string, { content: string; applied: boolean }>();
  /**
   * `throw`: fail before the request reaches the table; `lost`: apply, then fail (a crash or a
   * lost answer); `rejected`: the request reaches the table and fails without applying (its token
   * counts as used, as DynamoDB keeps a token from the first request that completes with it).
   */
  faults: { commit?: (c: Commit) => CommitFault | undefined } = {};
  /** Commits answered with {@link IdempotentParameterMismatch} (a token reused for other content). */
  mismatches = 0;

  async loadCheckpoints(lanes: readonly string[]): Promise<Map<string, Checkpoint>> {
    const out = new Map<string, Checkpoint>();
    for (const l of lanes) {
      const c = this.checkpoints.get(l);
      if (c) out.set(l, structuredClone(c));
    }
    return out;
  }

  async loadPartials(
    keys: ReadonlyArray<{ lane: string; series: string; windowStartMs: number }>,
  ): Promise<Map<string, StoredPartial>> {
    const out = new Map<string, StoredPartial>();
    for (const k of keys) {
      const key = partialKey(k.lane, k.series, k.windowStartMs);
      const p = this.partials.get(key);
      if (p) out.set(key, this.toStored(p));
    }
    return out;
  }

  async commit(c: Commit): Promise<'ok' | 'conflict'> {
    const fault = this.faults.commit?.(c);
    if (fault === 'throw') throw new SimulatedThrottle('throttled');
    const content = commitContent(c);
    const seen = this.tokens.get(c.token);
    if (seen !== undefined && seen.content !== content) {
      this.mismatches++;
      throw new IdempotentParameterMismatch(`token ${c.token} reused with other content`);
    }
    if (fault === 'rejected') {
      this.tokens.set(c.token, { content, applied: seen?.applied ?? false });
      throw new SimulatedThrottle('failed in the table');
    }
    const result = seen?.applied ? 'ok' : this.apply(c);
    this.tokens.set(c.token, { content, applied: result === 'ok' });
    if (fault === 'lost') throw new SimulatedThrottle('answer lost after the write');
    return result;
  }

  private apply(c: Commit): 'ok' | 'conflict' {
    for (const { before } of c.checkpoints) {
      if ((this.checkpoints.get(before.lane)?.version ?? 0) !== before.version) return 'conflict';
    }
    for (const { expectedVersion, next } of c.partials) {
      const k = partialKey(next.lane, next.series, next.windowStartMs);
      if ((this.partials.get(k)?.version ?? 0) !== expectedVersion) return 'conflict';
    }
    for (const { after } of c.checkpoints) this.checkpoints.set(after.lane, structuredClone(after));
    for (const { next } of c.partials) {
      this.partials.set(partialKey(next.lane, next.series, next.windowStartMs), {
        version: next.version,
        json: JSON.stringify(next.partial.toJSON()),
        lane: next.lane,
        series: next.series,
        ws: next.windowStartMs,
        pos: next.pos === undefined ? undefined : { ...next.pos },
      });
    }
    for (const m of c.markers) this.markers.set(`${m.series}\u0000${m.windowStartMs}`, { ...m });
    return 'ok';
  }

  async raiseWatermark(ms: number): Promise<number> {
    if (ms > this.watermark) this.watermark = ms;
    return this.watermark;
  }

  async dueMarkers(watermarkMs: number, limit: number): Promise<DirtyMarker[]> {
    return [...this.markers.values()]
      .filter((m) => m.windowEndMs <= watermarkMs)
      .sort((a, b) => a.windowEndMs - b.windowEndMs)
      .slice(0, limit)
      .map((m) => ({ ...m }));
  }

  async windowPartials(series: string, windowStartMs: number): Promise<StoredPartial[]> {
    return [...this.partials.values()]
      .filter((p) => p.series === series && p.ws === windowStartMs)
      .map((p) => this.toStored(p));
  }

  async getWindow(series: string, windowStartMs: number): Promise<StoredWindow | undefined> {
    const w = this.windows.get(`${series}\u0000${windowStartMs}`);
    return w ? structuredClone(w) : undefined;
  }

  async putWindow(
    w: StoredWindow,
    expectedRevision: number | undefined,
  ): Promise<'ok' | 'conflict'> {
    const k = `${w.series}\u0000${w.windowStartMs}`;
    if (this.windows.get(k)?.revision !== expectedRevision) return 'conflict';
    this.windows.set(k, structuredClone(w));
    return 'ok';
  }

  async clearMarker(m: DirtyMarker): Promise<void> {
    const k = `${m.series}\u0000${m.windowStartMs}`;
    if (this.markers.get(k)?.token === m.token) this.markers.delete(k);
  }

  private toStored(p: MemoryPartial): StoredPartial {
    return {
      lane: p.lane,
      series: p.series,
      windowStartMs: p.ws,
      version: p.version,
      partial: PartialAggregate.fromJSON(JSON.parse(p.json)),
      pos: p.pos === undefined ? undefined : { ...p.pos },
    };
  }
}

/** Collects emitted windows; `failNext` makes the next emit throw. */
export class MemoryWindowSink implements WindowSink {
  events: MetricsWindowEvent[] = [];
  failNext = 0;
  async emit(events: readonly MetricsWindowEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new SimulatedThrottle('sink down');
    }
    this.events.push(...structuredClone(events));
  }
  /** Latest revision of every window by `series|windowStart`. */
  latest(): Map<string, MetricsWindowEvent> {
    const out = new Map<string, MetricsWindowEvent>();
    for (const e of this.events) {
      const k = `${e.data.series}|${e.data.windowStart}`;
      const prev = out.get(k);
      if (!prev || prev.data.revision <= e.data.revision) out.set(k, e);
    }
    return out;
  }
}

/** Collects rejected records by batch key (a retry overwrites, as an S3 key would). */
export class MemoryRejectSink implements RejectSink {
  objects = new Map<string, RejectedRecord[]>();
  async put(batchKey: string, records: readonly RejectedRecord[]): Promise<void> {
    this.objects.set(batchKey, structuredClone([...records]));
  }
  all(): RejectedRecord[] {
    return [...this.objects.values()].flat();
  }
}
