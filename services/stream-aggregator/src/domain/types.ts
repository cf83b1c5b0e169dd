import type { PartialAggregate, WindowStats } from './partial.js';
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
  partitionKeyAt(i: number): string;
  at(i: number): InputRecord;
}

/** Series metadata carried with partials and dirty markers so windows can be emitted without parsing keys. */
export type SeriesMeta = Pick<Observation, 'series' | 'kind' | 'metric' | 'dimensions'>;

/** Progress of one lane (a shard, or a shard × partition key when parallelized). */
export type Checkpoint = {
  lane: string;
  /** Last applied position; undefined before the first commit. */
  pos: Position | undefined;
  /** Largest event time applied on this lane (−Infinity before any). */
  maxEventMs: number;
  /** Incremented by each commit; the optimistic-concurrency guard. 0 = item absent. */
  version: number;
};

/** A partial aggregate as stored: per (lane, series, window). */
export type StoredPartial = {
  lane: string;
  series: string;
  windowStartMs: number;
  version: number;
  partial: PartialAggregate;
  /**
   * The lane's last position folded into this partial: every record of this (lane, series,
   * window) at or below it is in it. Lets a retry skip what a transaction of an unfinished
   * earlier attempt already applied (README: exactly-once design). Undefined on older items.
   */
  pos?: Position | undefined;
};

/** One window made dirty by a commit: it must be (re-)emitted once the watermark allows. */
export type DirtyMarker = SeriesMeta & {
  windowStartMs: number;
  windowEndMs: number;
  /** Identifies the commit that last touched it; a flush clears it only if unchanged. */
  token: string;
  /** The store's key of the marker item, when read back (each writer lane has its own item). */
  key?: string;
};

/** Everything one sub-batch changes, written atomically. */
export type Commit = {
  /** Idempotency token (ClientRequestToken): same commit retried → applied once. */
  token: string;
  /** Lane whose dirty-marker items this commit writes (default: its smallest checkpoint lane). */
  writer?: string;
  /** Lane checkpoints advanced by this commit; empty for a plan's earlier transactions. */
  checkpoints: Array<{ before: Checkpoint; after: Checkpoint }>;
  partials: Array<{ expectedVersion: number; next: StoredPartial; meta: SeriesMeta }>;
  markers: DirtyMarker[];
};

/** The current value of a window (window table). */
export type StoredWindow = {
  series: string;
  windowStartMs: number;
  revision: number;
  /** lane → partial version merged into this revision. */
  vector: Record<string, number>;
  event: MetricsWindowEvent;
};

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
    lateCount: number;
    final: boolean;
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
 * a condition; `commit` is atomic.
 */
export interface StateStore {
  loadCheckpoints(lanes: readonly string[]): Promise<Map<string, Checkpoint>>;
  /** Strongly consistent read of the given (lane, series, window) partials. */
  loadPartials(
    keys: ReadonlyArray<{ lane: string; series: string; windowStartMs: number }>,
  ): Promise<Map<string, StoredPartial>>;
  /** Atomic; `conflict` when any condition failed (someone else committed first). */
  commit(commit: Commit, deadlineMs: number): Promise<'ok' | 'conflict'>;
  /** Raises the global watermark if `ms` is larger; returns the (new) global watermark. */
  raiseWatermark(ms: number): Promise<number>;
  /** Dirty markers whose window ended at or before `watermarkMs`, oldest first. */
  dueMarkers(watermarkMs: number, limit: number): Promise<DirtyMarker[]>;
  /** Every lane's partial of one window (strongly consistent). */
  windowPartials(series: string, windowStartMs: number): Promise<StoredPartial[]>;
  getWindow(series: string, windowStartMs: number): Promise<StoredWindow | undefined>;
  /** Optional batch read of several windows, keyed `series\u0000windowStart` (absent: left out). */
  getWindows?(
    keys: ReadonlyArray<{ series: string; windowStartMs: number }>,
  ): Promise<Map<string, StoredWindow>>;
  /** Conditional on the stored revision (`undefined`: item must not exist). */
  putWindow(w: StoredWindow, expectedRevision: number | undefined): Promise<'ok' | 'conflict'>;
  /** Deletes the marker only if its token is unchanged. */
  clearMarker(marker: DirtyMarker): Promise<void>;
  /** Optional: called after every flush with what `dueMarkers` returned (releases flush leases). */
  endFlush?(due: readonly DirtyMarker[]): Promise<void>;
}

/** Where emitted windows go (aggregates stream + S3 archive). Throws when they could not all go. */
export interface WindowSink {
  emit(events: readonly MetricsWindowEvent[]): Promise<void>;
}

/** Where rejected records go. `batchKey` is deterministic so that a retry overwrites. */
export interface RejectSink {
  put(batchKey: string, records: readonly RejectedRecord[]): Promise<void>;
}
