import type { FieldRef, Query } from '@streamlens/query';
import type { Observation } from '../domain/types.js';
import { classifyLateness, Lateness } from '../domain/window.js';
import { AggregatorError } from '../errors.js';
import { fieldOf, groupKeyOf, groupOf } from './fields.js';
import {
  addEvent,
  type CompiledQuery,
  compileQuery,
  type Emitted,
  evaluateGroup,
  type Group,
  newGroup,
  pruneGroup,
  type QueryWindow,
} from './group.js';
import type { QueryRunnerConfig } from './runner.js';
import { latenessEndOf } from './windows.js';

/**
 * A group as the state table keeps it: its events (only the fields its query's aggregates read),
 * what it emitted, and the windows it assigned revisions to but has not seen sent (`outbox`).
 */
export type StoredGroup = {
  /** Version of the stored item; a write is conditional on it (0: not stored yet). */
  version: number;
  values: string[];
  events: Observation[];
  emitted: Array<[number, Emitted]>;
  /** Windows that ended at or before this are final and forgotten; events for them are too late. */
  finalBefore: number;
  settledToMs: number;
  changedFromMs: number;
  /** The earliest end of a window left open at the last evaluation (+∞: none). */
  openUntilMs: number;
  outbox: QueryWindow[];
};

/** A group listed as needing evaluation once a watermark reaches `dueMs`. */
export type DueGroup = {
  key: string;
  dueMs: number;
  /** Processing time of the change that listed it (the idle rule). */
  at: number;
};

/**
 * The query state in the state table (adapters/query-store.ts; a Map in unit tests). Group writes
 * are conditional on the stored version; the due index is a hint ordered by group version.
 */
export interface QueryStore {
  getGroup(query: string, key: string, deadlineMs: number): Promise<StoredGroup | undefined>;
  /** Writes `g` as version `g.version`, if the stored version is `g.version − 1` (0: absent). */
  putGroup(
    query: string,
    key: string,
    g: StoredGroup,
    deadlineMs: number,
  ): Promise<'ok' | 'conflict'>;
  /** Lists the group as due at `dueMs`, unless the listing reflects a newer group version. */
  markDue(
    query: string,
    key: string,
    due: DueGroup & { version: number },
    deadlineMs: number,
  ): Promise<void>;
  /** Removes the listing if it reflects group version `version` or older. */
  clearDue(query: string, key: string, version: number, deadlineMs: number): Promise<void>;
  /** Groups listed as due at or before `watermarkMs`, at most `limit`. */
  dueGroups(
    query: string,
    watermarkMs: number,
    limit: number,
    deadlineMs: number,
  ): Promise<DueGroup[]>;
}

/** Where query windows go; throws when they could not all go by the deadline. */
export interface DurableWindowSink {
  emit(windows: readonly QueryWindow[], deadlineMs: number): Promise<void>;
}

/** One lane's part of a commit: its observations in lane order and its checkpoint before them. */
export type LaneObservations = {
  lane: string;
  maxEventMsBefore: number;
  observations: readonly Observation[];
};

export type DurableQueryConfig = QueryRunnerConfig & {
  /** Groups one flush evaluates at most per query (the rest wait for the next one). */
  flushLimit: number;
  /** The idle rule: a group no commit changed for this long is evaluated whatever the watermark. */
  idleMs: number;
  /** Groups read and written at once. */
  concurrency: number;
};

export type DurableApplyOutcome = {
  applied: number;
  duplicates: number;
  tooLate: number;
  /** Events of groups whose state is full (QueryStateTooLarge): not applied, batch goes on. */
  dropped: number;
};

/**
 * A group's state would no longer fit in its item (docs/queries.md, limits). The store throws it
 * before writing anything.
 */
export class QueryStateTooLarge extends AggregatorError {
  constructor(message: string) {
    super(message);
    this.name = 'QueryStateTooLarge';
  }
}

/** Conditional writes of one group retried after a concurrent writer took the version. */
const MAX_GROUP_CONFLICTS = 8;

type Compiled = CompiledQuery & { fields: FieldRef[] };

/**
 * The query runner with its state in the state table, for the Lambda handler: sliding, stagger and
 * session windows outlive the container. Same rules as {@link QueryRunner} (group.ts), plus:
 *
 * - `apply` runs before the lane's delta (its checkpoint) is appended and merges each event into
 *   its group's stored set by (series, event id): idempotent, so a crash before the checkpoint or
 *   a redelivery applies nothing twice. The lateness of an event is judged against its lane's
 *   checkpoint and the records before it in the lane: the same on every delivery.
 * - `flush` evaluates the groups listed as due, writes the windows it assigns revisions to in the
 *   group's outbox (conditional on the group version) before sending them, then clears the outbox.
 *   A crash in between leaves the outbox, which the next evaluation sends again, unchanged.
 *
 * See docs/queries.md, "Durable state".
 */
export class DurableQueries {
  private readonly compiled: Compiled[];

  constructor(
    queries: readonly Query[],
    private readonly cfg: DurableQueryConfig,
    private readonly store: QueryStore,
    private readonly sink: DurableWindowSink,
    private readonly now: () => number = Date.now,
    private readonly onDropped?: (query: string, error: QueryStateTooLarge) => void,
  ) {
    this.compiled = queries.map((q) => ({ ...compileQuery(q), fields: storedFields(q) }));
  }

  /** Merges the lanes' observations into their groups (before the lanes' deltas are appended). */
  async apply(
    lanes: readonly LaneObservations[],
    deadlineMs: number,
  ): Promise<DurableApplyOutcome> {
    const out: DurableApplyOutcome = { applied: 0, duplicates: 0, tooLate: 0, dropped: 0 };
    const touched = this.compiled.map(
      () => new Map<string, { values: string[]; events: Observation[] }>(),
    );
    for (const l of lanes) {
      let maxEvent = l.maxEventMsBefore;
      for (const obs of l.observations) {
        if (obs.timeMs > maxEvent) maxEvent = obs.timeMs;
        const wm = maxEvent - this.cfg.allowedLatenessMs;
        for (let i = 0; i < this.compiled.length; i++) {
          const cq = this.compiled[i]!;
          if (!cq.filter(obs)) continue;
          const end = latenessEndOf(cq.q.window, obs.timeMs);
          if (classifyLateness(end, wm, this.cfg.maxLatenessMs) === Lateness.TooLate) {
            out.tooLate++;
            continue;
          }
          const key = groupKeyOf(obs, cq.q.groupBy);
          let t = touched[i]!.get(key);
          if (t === undefined) {
            t = { values: groupOf(obs, cq.q.groupBy), events: [] };
            touched[i]!.set(key, t);
          }
          t.events.push(project(obs, cq.fields));
        }
      }
    }
    const at = this.now();
    const jobs: Array<() => Promise<void>> = [];
    for (let i = 0; i < this.compiled.length; i++) {
      const cq = this.compiled[i]!;
      for (const [key, t] of touched[i]!) {
        jobs.push(async () => {
          try {
            const r = await this.merge(cq, key, t.values, t.events, at, deadlineMs);
            out.applied += r.applied;
            out.duplicates += r.duplicates;
            out.tooLate += r.tooLate;
          } catch (error) {
            // A full group must not stop the stream (every retry would fail the same way):
            // its new events are dropped for this query and counted; the rest goes on.
            if (!(error instanceof QueryStateTooLarge)) throw error;
            out.dropped += t.events.length;
            this.onDropped?.(cq.q.name, error);
          }
        });
      }
    }
    await runLimited(jobs, this.cfg.concurrency);
    return out;
  }

  /** Evaluates and emits the groups due at `watermarkMs`. Returns the windows sent. */
  flush(watermarkMs: number, deadlineMs: number): Promise<number> {
    if (!(watermarkMs > Number.NEGATIVE_INFINITY)) return Promise.resolve(0);
    return this.evaluateDue(watermarkMs, watermarkMs, () => true, deadlineMs);
  }

  /**
   * The idle rule: every listed group that no commit changed for `idleMs` is evaluated with every
   * window due, as the aggregator's idle flush emits windows no watermark has passed.
   */
  flushIdle(nowMs: number, deadlineMs: number): Promise<number> {
    return this.evaluateDue(
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      (d) => d.at <= nowMs - this.cfg.idleMs,
      deadlineMs,
    );
  }

  private async evaluateDue(
    listedBy: number,
    dueMs: number,
    pick: (d: DueGroup) => boolean,
    deadlineMs: number,
  ): Promise<number> {
    let sent = 0;
    let failure: unknown;
    for (const cq of this.compiled) {
      const due = (
        await this.store.dueGroups(cq.q.name, listedBy, this.cfg.flushLimit, deadlineMs)
      ).filter(pick);
      const jobs = due.map((d) => async () => {
        try {
          sent += await this.evaluate(cq, d, dueMs, deadlineMs);
        } catch (error) {
          // The group stays listed (and its outbox stored): a later flush sends it.
          failure ??= error;
        }
      });
      await runLimited(jobs, this.cfg.concurrency);
    }
    if (failure !== undefined) throw failure;
    return sent;
  }

  /** Merges events into a stored group, retrying when a concurrent writer took its version. */
  private async merge(
    cq: Compiled,
    key: string,
    values: string[],
    events: readonly Observation[],
    at: number,
    deadlineMs: number,
  ): Promise<DurableApplyOutcome> {
    for (let attempt = 0; ; attempt++) {
      const out: DurableApplyOutcome = { applied: 0, duplicates: 0, tooLate: 0, dropped: 0 };
      const stored = await this.store.getGroup(cq.q.name, key, deadlineMs);
      const g = toGroup(stored, values);
      const finalBefore = stored?.finalBefore ?? Number.NEGATIVE_INFINITY;
      for (const obs of events) {
        // A window already forgotten cannot take the event (it was final when forgotten).
        if (latenessEndOf(cq.q.window, obs.timeMs) - cq.reach <= finalBefore) out.tooLate++;
        else if (addEvent(g, obs)) out.applied++;
        else out.duplicates++;
      }
      const openUntil = stored?.openUntilMs ?? Number.POSITIVE_INFINITY;
      // Due when a window holding a new event, or one left open before, may have ended.
      const dueMs = Math.min(g.changedFromMs, openUntil);
      const list = (version: number) =>
        this.store.markDue(cq.q.name, key, { key, dueMs, at, version }, deadlineMs);
      if (out.applied === 0) {
        // Nothing new, but an earlier attempt may have written the group and failed before
        // listing it: list it again (a listing of that version or a newer one is kept).
        if (stored !== undefined && dueMs < Number.POSITIVE_INFINITY) await list(stored.version);
        return out;
      }
      const next = fromGroup(g, {
        version: (stored?.version ?? 0) + 1,
        finalBefore,
        openUntilMs: openUntil,
        outbox: stored?.outbox ?? [],
      });
      if ((await this.store.putGroup(cq.q.name, key, next, deadlineMs)) === 'ok') {
        await list(next.version);
        return out;
      }
      if (attempt >= MAX_GROUP_CONFLICTS) {
        throw new Error(`query ${cq.q.name}: too many concurrent writes to one group`);
      }
    }
  }

  /**
   * Evaluates one group at `dueMs`: stores the windows it assigns revisions to (with any left in
   * the outbox) before sending them, then clears the outbox and the group's listing.
   */
  private async evaluate(
    cq: Compiled,
    listed: DueGroup,
    dueMs: number,
    deadlineMs: number,
  ): Promise<number> {
    const key = listed.key;
    for (let attempt = 0; ; attempt++) {
      const stored = await this.store.getGroup(cq.q.name, key, deadlineMs);
      if (stored === undefined) {
        await this.store.clearDue(cq.q.name, key, 0, deadlineMs);
        return 0;
      }
      const g = toGroup(stored, stored.values);
      const ev = evaluateGroup(cq, g, dueMs, stored.finalBefore, this.cfg.alpha);
      ev.commit();
      // Forget what the watermark has made final (README: forgetting): here the evaluating
      // invocation's watermark stands for the lowest lane's (docs/queries.md says what differs).
      let finalBefore = stored.finalBefore;
      const horizon = dueMs - this.cfg.maxLatenessMs - cq.reach;
      if (Number.isFinite(horizon) && horizon > finalBefore) {
        finalBefore = horizon;
        pruneGroup(cq, g, horizon);
      }
      const windows = [...stored.outbox, ...ev.windows];
      const next = fromGroup(g, {
        version: stored.version + 1,
        finalBefore,
        openUntilMs: ev.openUntilMs,
        outbox: windows,
      });
      if ((await this.store.putGroup(cq.q.name, key, next, deadlineMs)) !== 'ok') {
        if (attempt >= MAX_GROUP_CONFLICTS) {
          throw new Error(`query ${cq.q.name}: too many concurrent writes to one group`);
        }
        continue;
      }
      if (windows.length > 0) {
        await this.sink.emit(windows, deadlineMs);
        const cleared = { ...next, version: next.version + 1, outbox: [] };
        // A conflict means another writer took the group (and its outbox) after us: it sends
        // the outbox again, the same revisions with the same content.
        if ((await this.store.putGroup(cq.q.name, key, cleared, deadlineMs)) === 'ok') {
          next.version = cleared.version;
        }
      }
      if (ev.openUntilMs === Number.POSITIVE_INFINITY) {
        await this.store.clearDue(cq.q.name, key, next.version, deadlineMs);
      } else {
        await this.store.markDue(
          cq.q.name,
          key,
          { key, dueMs: ev.openUntilMs, at: listed.at, version: next.version },
          deadlineMs,
        );
      }
      return windows.length;
    }
  }
}

/**
 * The fields a query's stored events keep besides series, id, time and value: those its distinct
 * and top-k aggregates read (the filter and the grouping were applied before storing).
 */
function storedFields(q: Query): FieldRef[] {
  const out: FieldRef[] = [];
  for (const a of q.aggregates) {
    if (a.fn !== 'distinct' && a.fn !== 'topk') continue;
    if (a.field.kind === 'value' || a.field.kind === 'series') continue;
    if (!out.some((f) => sameField(f, a.field))) out.push(a.field);
  }
  return out;
}

function sameField(a: FieldRef, b: FieldRef): boolean {
  return a.kind === b.kind && (a.kind !== 'dimension' || a.name === (b as { name: string }).name);
}

/** The observation reduced to what the query's windows read. */
function project(obs: Observation, fields: readonly FieldRef[]): Observation {
  const p: Observation = {
    series: obs.series,
    kind: obs.kind,
    metric: '',
    dimensions: {},
    timeMs: obs.timeMs,
    value: obs.value,
    idHash: obs.idHash,
  };
  for (const f of fields) {
    const v = fieldOf(obs, f);
    if (v === undefined) continue;
    if (f.kind === 'metric') p.metric = String(v);
    else if (f.kind === 'dimension') {
      // Defined, not assigned: a dimension named `__proto__` stays an own property.
      Object.defineProperty(p.dimensions, f.name, { value: String(v), enumerable: true });
    }
  }
  return p;
}

function toGroup(stored: StoredGroup | undefined, values: string[]): Group {
  const g = newGroup(stored?.values ?? values);
  if (stored === undefined) return g;
  for (const e of stored.events) addEvent(g, e);
  g.emitted = new Map(stored.emitted);
  g.changedFromMs = stored.changedFromMs;
  g.settledToMs = stored.settledToMs;
  return g;
}

function fromGroup(
  g: Group,
  rest: Pick<StoredGroup, 'version' | 'finalBefore' | 'openUntilMs' | 'outbox'>,
): StoredGroup {
  return {
    ...rest,
    values: g.values,
    events: [...g.events.values(), ...g.others.values()],
    emitted: [...g.emitted],
    settledToMs: g.settledToMs,
    changedFromMs: g.changedFromMs,
  };
}

/** Runs the jobs, at most `limit` at a time; rejects with the first failure after all settle. */
async function runLimited(jobs: ReadonlyArray<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      try {
        await job();
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  if (failure !== undefined) throw failure;
}
