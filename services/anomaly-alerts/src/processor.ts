import type { MetricsWindow } from '@streamlens/schema';
import type { AlertingConfig } from './alerting/episode.js';
import type { OutboxEntry } from './alerting/message.js';
import type { DetectorConfig } from './detector/index.js';
import { PublishError, StateConflictError } from './errors.js';
import { type ScoreOutcome, type SeriesItem, scoreWindow } from './scoring.js';
import type { SeriesStore } from './store.js';

/** Publishes alerts; returns the ids that were not published (with why). */
export interface AlertPublisher {
  /** Publishes the entries, retrying none past `deadline` (epoch ms: the invocation's). */
  publish(
    entries: readonly OutboxEntry[],
    opts: { readonly deadline: number },
  ): Promise<{ failed: { id: string; code: string; message?: string }[] }>;
}

/** Counters of one invocation (metrics and logs). */
export interface ProcessCounters {
  scored: number;
  skipped: Record<string, number>;
  alertsOpened: number;
  alertsRecovered: number;
  suppressed: number;
  published: number;
  conflicts: number;
  /** Corrections applied: of the last scored window (re-scored) and of earlier ones. */
  correctionsLatest: number;
  correctionsOlder: number;
  /** Unpublished alerts a correction took back, and messages answering published ones. */
  alertsWithdrawn: number;
  alertsCompensated: number;
}

export function emptyCounters(): ProcessCounters {
  return {
    scored: 0,
    skipped: {},
    alertsOpened: 0,
    alertsRecovered: 0,
    suppressed: 0,
    published: 0,
    conflicts: 0,
    correctionsLatest: 0,
    correctionsOlder: 0,
    alertsWithdrawn: 0,
    alertsCompensated: 0,
  };
}

/** What the processor needs: collaborators and tunables. */
export interface ProcessorDeps {
  readonly store: SeriesStore;
  readonly publisher: AlertPublisher;
  readonly detector: DetectorConfig;
  readonly alerting: AlertingConfig;
  /** Re-reads and re-applies after a conditional-write conflict, at most this many times. */
  readonly maxConflictRetries: number;
  /** How long an outbox entry belongs to the invocation that committed it. */
  readonly outboxLeaseMs: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Epoch ms after which we stop waiting on someone else's outbox lease. */
  readonly deadline?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Scores one window and publishes what it decided, in this order (README: "no alert lost or
 * doubled"): (1) read the series item; (2) score and commit state + alert outbox in one
 * conditional write on `version` (on conflict re-read and re-apply, bounded); (3) publish the
 * outbox with deterministic CloudEvent ids; (4) remove the published entries. A crash between
 * (2) and (4) leaves the alert in the outbox, and the redelivered window, now a no-op for the
 * detector, publishes it with the same id. Throws (so the record is reported as a batch item
 * failure) when an alert could not be published or the conflicts did not settle.
 */
export async function processWindow(
  window: MetricsWindow,
  deps: ProcessorDeps,
  counters: ProcessCounters = emptyCounters(),
): Promise<ScoreOutcome> {
  return (await processWindowFrom(window, deps, counters)).outcome;
}

/** An item already read for this series (`item` undefined: the series has none yet). */
export interface KnownItem {
  readonly item: SeriesItem | undefined;
}

/**
 * `processWindow` starting from `known` instead of a fresh read when given (the batch read it
 * up front, or the previous window of the series committed it). A stale `known` is safe: the
 * conditional write fails and the loop re-reads; a skip decided on it holds on any newer item
 * (what was scored stays scored). One with outbox entries is re-read, so that entries someone
 * else published and removed meanwhile are not published again. Returns the outcome and the
 * item as this call left it when known (`undefined` when the outbox was drained: re-read next).
 */
export async function processWindowFrom(
  window: MetricsWindow,
  deps: ProcessorDeps,
  counters: ProcessCounters = emptyCounters(),
  known?: KnownItem,
): Promise<{ outcome: ScoreOutcome; after: KnownItem | undefined }> {
  const now = deps.now ?? Date.now;
  const series = window.data.series;
  let outcome: ScoreOutcome | undefined;
  let committed: SeriesItem | undefined;
  let start = known && (known.item?.outbox.length ?? 0) === 0 ? known : undefined;
  for (let attempt = 0; attempt <= deps.maxConflictRetries; attempt++) {
    const item = start ? start.item : await deps.store.get(series);
    start = undefined;
    outcome = scoreWindow(
      item,
      window,
      new Date(now()).toISOString(),
      deps.detector,
      deps.alerting,
    );
    if (outcome.kind === 'skip') {
      committed = item;
      break;
    }
    if (await deps.store.put(outcome.item, item?.version ?? 0)) {
      committed = outcome.item;
      break;
    }
    counters.conflicts += 1;
    outcome = undefined;
  }
  if (!outcome) {
    throw new StateConflictError(
      `series ${series}: state changed concurrently ${deps.maxConflictRetries + 1} times`,
    );
  }
  if (outcome.kind === 'skip') {
    counters.skipped[outcome.reason] = (counters.skipped[outcome.reason] ?? 0) + 1;
  } else {
    counters.scored += 1;
    if (outcome.alert?.data.status === 'open') counters.alertsOpened += 1;
    if (outcome.alert?.data.status === 'recovered') counters.alertsRecovered += 1;
    if (outcome.suppressed) counters.suppressed += 1;
    if (outcome.mode === 'latest') counters.correctionsLatest += 1;
    if (outcome.mode === 'older') counters.correctionsOlder += 1;
    counters.alertsWithdrawn += outcome.withdrawn?.length ?? 0;
    if (outcome.compensation) counters.alertsCompensated += 1;
  }
  const ownIds = new Set<string>();
  if (outcome.kind === 'apply') {
    if (outcome.compensation) ownIds.add(outcome.compensation.id);
    if (outcome.alert) ownIds.add(outcome.alert.id);
  }
  const after = await drainOutbox(series, committed, ownIds, deps, counters);
  return { outcome, after };
}

/**
 * Publishes the outbox entries this invocation owns (the one it just committed) or whose lease
 * expired (their committer crashed), then removes them. Entries another live invocation owns are
 * waited for (bounded by the lease and the deadline) rather than published twice.
 */
async function drainOutbox(
  series: string,
  item: SeriesItem | undefined,
  ownIds: ReadonlySet<string>,
  deps: ProcessorDeps,
  counters: ProcessCounters,
): Promise<KnownItem | undefined> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const deadline = deps.deadline ?? (() => Number.POSITIVE_INFINITY);
  let current = item;
  for (;;) {
    const pending = current?.outbox ?? [];
    if (pending.length === 0) return { item: current };
    const t = now();
    const mine = pending.filter(
      (e) => ownIds.has(e.id) || e.committedAtMs + deps.outboxLeaseMs <= t,
    );
    if (mine.length > 0) {
      const { failed } = await deps.publisher.publish(mine, { deadline: deadline() });
      const failedIds = new Set(failed.map((f) => f.id));
      const done = new Set(mine.filter((e) => !failedIds.has(e.id)).map((e) => e.id));
      counters.published += done.size;
      // The removal starts from the item just committed (or read): no extra read unless
      // someone wrote the series meanwhile (then the conditional write fails and it re-reads).
      const written =
        done.size > 0 ? await removeFromOutbox(series, done, deps, counters, current) : undefined;
      if (failed.length > 0) {
        throw new PublishError(
          `series ${series}: ${failed.length} alert(s) not published (${failed.map((f) => f.code).join(', ')}); kept in the outbox`,
          failed,
        );
      }
      return written;
    }
    // Someone else committed these moments ago and is publishing them: wait for the lease.
    const waitUntil = Math.min(...pending.map((e) => e.committedAtMs + deps.outboxLeaseMs));
    if (waitUntil > deadline()) return undefined; // a later delivery will find them (lease expired by then)
    await sleep(Math.max(50, Math.min(500, waitUntil - t)));
    current = await deps.store.get(series);
  }
}

/**
 * Removes published entries with a conditional write, starting from `start` when given (the
 * item as this invocation last saw it) and re-reading after a conflict. Returns the item written
 * (`undefined`: not known, the next window re-reads).
 */
async function removeFromOutbox(
  series: string,
  ids: ReadonlySet<string>,
  deps: ProcessorDeps,
  counters: ProcessCounters,
  start?: SeriesItem,
): Promise<KnownItem | undefined> {
  let seen = start;
  for (let attempt = 0; attempt <= deps.maxConflictRetries; attempt++) {
    const item = seen ?? (await deps.store.get(series));
    seen = undefined;
    if (!item) return undefined;
    const outbox = item.outbox.filter((e) => !ids.has(e.id));
    if (outbox.length === item.outbox.length) return undefined;
    const next = { ...item, outbox, version: item.version + 1 };
    if (await deps.store.put(next, item.version)) return { item: next };
    counters.conflicts += 1;
  }
  // Left in the outbox: published again (same ids) after its lease; subscribers de-duplicate by id.
  return undefined;
}
