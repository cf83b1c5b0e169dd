import type { WindowStats } from './partial.js';
import type { Position } from './sequence.js';
import type { SerializedSketch } from './sketch.js';

/** What the aggregator needs from one valid input event. */
export type Observation = {
  series: string;
  kind: 'telemetry' | 'log';
  metric: string;
  dimensions: Record<string, string>;
  timeMs: number;
  /** The reading's value; 1 for a log line (so sum = count). */
  value: number;
  /** 52-bit hash of the event `id` (`idHash`): the de-duplication key within a series' window. */
  idHash: number;
};

/** A validation problem, as @streamlens/schema reports it. */
export type RecordIssue = { code: string; message: string; path: string };

/** One (user) record of a shard, decoded and validated, in shard order. No Lambda shapes. */
export type InputRecord = {
  shardId: string;
  seq: string;
  /** KPL sub-sequence number; 0 for plain records. */
  sub: number;
  partitionKey: string;
  /**
   * The partition key of the Kinesis record that carried it: Lambda keeps order per this key when
   * parallelized. For a KPL user record it is the aggregate's key, not the user record's own.
   */
  orderKey: string;
  arrivalTimeMs: number;
  /** The observation of a valid record; undefined when `error` is set. */
  obs: Observation | undefined;
  /** Why the record is invalid; undefined for a valid record. */
  error: RecordIssue | undefined;
  /**
   * The record's bytes, kept only to route rejected records: raw bytes, or a string holding their
   * base64 (the Kinesis event's own `data`, so that valid records cost no copy).
   */
  payload: Uint8Array | string;
};

/**
 * An invocation's records, possibly decoded on demand: the engine reads each record once in the
 * normal path, so a lazily decoding source lets records die young instead of being retained (and
 * copied by the garbage collector) for the whole batch. `at(i)` may return a new object per call.
 */
export interface RecordSource {
  readonly length: number;
  shardIdAt(i: number): string;
  /** {@link InputRecord.orderKey} of record i. */
  orderKeyAt(i: number): string;
  at(i: number): InputRecord;
}

/** Series metadata carried in deltas so windows can be emitted without parsing keys. */
export type SeriesMeta = Pick<Observation, 'series' | 'kind' | 'metric' | 'dimensions'>;

/**
 * Progress of one lane (a shard, or a shard × outer partition key when parallelized): the head of
 * its delta chain.
 */
export type Checkpoint = {
  lane: string;
  /** Last applied position; undefined before the first delta. */
  pos: Position | undefined;
  /** Largest event time applied on this lane (−Infinity before any). */
  maxEventMs: number;
  /** Version of the lane's last delta (0: none). Versions of a lane are 1, 2, 3, … */
  version: number;
};

/**
 * The events one delta holds for one (series, window): event-id hashes, values and correction
 * flags (1: applied after the window had closed on its lane), in lane order.
 */
export type WindowEvents = {
  meta: SeriesMeta;
  windowStartMs: number;
  ids: number[];
  values: number[];
  late: number[];
};

/**
 * One link of a lane's chain: the records one commit applied, and the lane's checkpoint after
 * them. Written once, conditionally on its version being new (README: state design).
 */
export type Delta = {
  lane: string;
  version: number;
  pos: Position;
  maxEventMs: number;
  /** Processing time of the commit (epoch ms). */
  at: number;
  entries: WindowEvents[];
};

/** A window a delta touches. */
export type WindowRef = { windowStartMs: number; windowEndMs: number };

/** "Lane `lane` changed this window": it must be (re-)emitted once a watermark or the idle rule allows. */
export type DirtyMarker = WindowRef & {
  lane: string;
  /** The delta version that last touched the window on this lane; a flush clears it only if unchanged. */
  token: string;
  /** Processing time of that commit (the idle rule). */
  at: number;
};

/**
 * A lane's listed delta for one window. `entries()` decodes its entries of that window on each
 * call: the merge calls it once per delta and drops the result, so only one delta's events are
 * decoded at a time (decoded, a window's events take ≈ 20 times their stored bytes).
 */
export type WindowDelta = { lane: string; version: number; entries(): WindowEvents[] };

/**
 * One shard (by series hash) of a window's flush state: per series, the digest and revision last
 * assigned, and whether that revision may not have been sent yet (`pending`). It orders a
 * window's revisions: written conditionally on `version` before the events are sent, so that of
 * two flushes only one assigns each revision; a later flush sends a pending revision again.
 */
export type FlushState = {
  version: number;
  series: Map<string, SeriesFlushState>;
};

export type SeriesFlushState = { digest: string; revision: number; pending: boolean };

/** `metrics.window` CloudEvent as emitted (structurally the schema's MetricsWindow). */
export type MetricsWindowEvent = {
  specversion: '1.0';
  id: string;
  source: string;
  type: 'metrics.window';
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: MetricsWindowData;
};

export type MetricsWindowData = SeriesMeta &
  WindowStats & {
    windowStart: string;
    windowEnd: string;
    windowSeconds: number;
    revision: number;
    sketch?: SerializedSketch;
    lateCount?: number;
    final: boolean;
    /** A query's window (src/query/output.ts): the schema's optional query fields. */
    query?: string;
    group?: Record<string, string>;
    aggregates?: Record<string, number>;
    top?: Record<string, Array<{ value: string; count: number }>>;
    retracted?: boolean;
  };

/** A record that was not applied: invalid, or later than the maximum lateness. */
export type RejectedRecord = {
  reason: 'invalid' | 'too-late';
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber: number;
  partitionKey: string;
  arrivalTime: string;
  error?: RecordIssue;
  windowStart?: string;
  /** The record's bytes: as text when they are valid UTF-8, else base64 (see `dataEncoding`). */
  data: string;
  /** `utf8` (JSON, log lines: readable as is) or `base64` (e.g. a KPL aggregate that failed to decode). */
  dataEncoding: 'utf8' | 'base64';
};

/**
 * Durable state (DynamoDB in production, a Map in tests). Every method is idempotent or guarded by
 * a condition. `deadlineMs` (epoch ms) is the deadline of the invocation making the call: a store
 * that retries stops there. The store outlives invocations; their deadlines are not its state.
 */
export interface StateStore {
  /** The heads of the lanes' chains (strongly consistent); absent lanes have none. */
  loadHeads(lanes: readonly string[], deadlineMs: number): Promise<Map<string, Checkpoint>>;
  /**
   * Before a delta is appended: lists `version` of `lane` under each window it touches and marks
   * the windows dirty. Idempotent; a listed version that never commits costs a read, no error.
   */
  markWindows(
    lane: string,
    version: number,
    windows: readonly WindowRef[],
    at: number,
    deadlineMs: number,
  ): Promise<void>;
  /** Writes the delta if its lane has no delta of that version yet; `conflict` otherwise. */
  appendDelta(delta: Delta, deadlineMs: number): Promise<'ok' | 'conflict'>;
  /** Dirty markers whose window ended at or before `watermarkMs`, oldest first. */
  dueMarkers(watermarkMs: number, limit: number, deadlineMs: number): Promise<DirtyMarker[]>;
  /** Every dirty marker, oldest window first, up to `limit` (the idle rule picks from them). */
  allMarkers(limit: number, deadlineMs: number): Promise<DirtyMarker[]>;
  /** Optional: called after every flush with what `dueMarkers`/`allMarkers` returned. */
  endFlush?(due: readonly DirtyMarker[], deadlineMs: number): Promise<void>;
  /** Every delta listed under the window (strongly consistent), reduced to its entries. */
  windowDeltas(windowStartMs: number, deadlineMs: number): Promise<WindowDelta[]>;
  /** Every shard of the window's flush state (strongly consistent), by shard index. */
  getFlushStates(windowStartMs: number, deadlineMs: number): Promise<Map<number, FlushState>>;
  /**
   * Writes one shard of the window's flush state, conditional on the stored version (`undefined`:
   * must not exist). Throws when the state cannot be stored (e.g. larger than an item).
   */
  putFlushState(
    windowStartMs: number,
    shard: number,
    state: FlushState,
    expectedVersion: number | undefined,
    deadlineMs: number,
  ): Promise<'ok' | 'conflict'>;
  /** Deletes the marker only if its token is unchanged. */
  clearMarker(marker: DirtyMarker, deadlineMs: number): Promise<void>;
}

/**
 * Where emitted windows go (aggregates stream + S3 archive). Throws when they could not all go by
 * `deadlineMs`, the calling invocation's deadline.
 */
export interface WindowSink {
  emit(events: readonly MetricsWindowEvent[], deadlineMs: number): Promise<void>;
}

/**
 * Where rejected records go. `batchKey` is deterministic so that a retry overwrites; `deadlineMs`
 * is the calling invocation's deadline.
 */
export interface RejectSink {
  put(batchKey: string, records: readonly RejectedRecord[], deadlineMs: number): Promise<void>;
}
