import { gunzipSync, inflateRawSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  type AlertQuality,
  alertQuality,
  formatQuality,
  type SeenAlert,
  type WarmupRule,
} from './alerts.js';
import type { ProducedLedger } from './feed.js';
import type { Pipeline } from './pipeline.js';
import { runStatement } from './sqs/warehouse.js';

type Item = Record<string, AttributeValue>;

/**
 * What each sink must answer for a reconciliation: the local pipeline answers from its stand-ins
 * and emulators (`pipelineSinks`), `pnpm smoke` from a deployed stage. An absent sink is reported
 * as skipped.
 */
export interface SinkReader {
  readonly lake?: {
    /** The lake's objects under a prefix (all of them without one). */
    objects(prefix?: string): Promise<{ key: string; body: Uint8Array }[]>;
    /** Records the Firehose transformation answered Dropped (reported, not checked). */
    dropped(): number;
  };
  readonly eventsTable?: { readonly name: string; items(): Promise<Item[]> };
  readonly windows?: {
    readonly seconds: number;
    items(): Promise<Item[]>;
    /**
     * Starts (ISO) of the windows the aggregator has applied readings to and not emitted yet: its
     * dirty markers. A final window among them has a revision pending (a correction applied after
     * the final emission, sent by the next flush or the idle rule).
     */
    pendingStarts?(): Promise<Set<string>>;
  };
  readonly search?: {
    readonly prefix: string;
    /** Documents in the index (throws when it cannot count). */
    count(): Promise<number>;
  };
  readonly warehouse?: {
    readonly eventsTable: string;
    readonly windowsTable: string;
    readonly windowsPrefix: string;
    /** The lake's objects under `windowsPrefix`: the window revisions the loader archives. */
    windowObjects(): Promise<{ key: string; body: Uint8Array }[]>;
    query(sql: string): Promise<unknown[][]>;
    /** Checks that the lake's object notifications were all consumed. */
    queues(): Check[];
  };
}

/** One reconciliation check. */
export interface Check {
  readonly name: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly detail: string;
  readonly expected?: number;
  readonly actual?: number;
}

/** The reconciliation printed at the end of a run (and written by --summary-json). */
export interface Reconciliation {
  readonly ok: boolean;
  /** How the alerts did against the injected anomalies (when anomaly-alerts is wired). */
  readonly alertQuality?: AlertQualityVerdict;
  readonly produced: {
    valid: number;
    invalid: number;
    rejected: number;
    /** Valid events sent a second time (`--resend`): each must still be held once. */
    resent: number;
    anomalies: number;
  };
  readonly checks: Check[];
  readonly failures: { destination: string; batches: number; records: number }[];
  readonly firehose: Record<string, unknown>[];
  readonly functions: Record<string, unknown>[];
  readonly notWired: string[];
  /** What chaos injected (zeros without --chaos). */
  readonly chaos: { crashes: number; redeliveries: number; sinkFaults: number };
}

const str = (v: AttributeValue | undefined) => (v && 'S' in v ? v.S : undefined);
const numOf = (v: AttributeValue | undefined) => (v && 'N' in v ? Number(v.N) : undefined);

function fnEnv(pipeline: Pipeline, service: string, variable: string): string | undefined {
  return pipeline.functions.find((f) => f.definition.service === service)?.definition.environment[
    variable
  ];
}

async function lakeCheck(sinks: SinkReader, ledger: ProducedLedger): Promise<Check[]> {
  if (!sinks.lake) {
    return [{ name: 'lake', status: 'skipped', detail: 'no Firehose delivery stream wired' }];
  }
  const objects = await sinks.lake.objects();
  const ids = new Set<string>();
  let lines = 0;
  let errorRecords = 0;
  for (const o of objects) {
    const text = Buffer.from(o.key.endsWith('.gz') ? gunzipSync(o.body) : o.body).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      if (o.key.startsWith('errors/')) {
        errorRecords++;
        continue;
      }
      if (!o.key.startsWith('events/')) continue;
      lines++;
      try {
        const id = (JSON.parse(line) as { id?: unknown }).id;
        if (typeof id === 'string') ids.add(id);
      } catch {
        // counted below as unexpected
      }
    }
  }
  let missing = 0;
  for (const id of ledger.valid.keys()) if (!ids.has(id)) missing++;
  const unexpected = [...ids].filter((id) => !ledger.valid.has(id)).length;
  const dropped = sinks.lake.dropped();
  return [
    {
      name: 'lake: every valid event in an events/ object',
      status: missing === 0 && unexpected === 0 ? 'ok' : 'failed',
      detail: `${ids.size} distinct ids in ${lines} lines of ${objects.filter((o) => o.key.startsWith('events/')).length} objects; missing ${missing}, unexpected ${unexpected}`,
      expected: ledger.valid.size,
      actual: ids.size - unexpected,
    },
    {
      name: 'lake: every invalid record at the error prefix or dropped',
      status: errorRecords === ledger.invalid ? 'ok' : 'failed',
      detail: `${errorRecords} error records for ${ledger.invalid} invalid produced (${dropped} records Dropped by the transform, e.g. re-ingested)`,
      expected: ledger.invalid,
      actual: errorRecords,
    },
  ];
}

async function eventsTableCheck(sinks: SinkReader, ledger: ProducedLedger): Promise<Check> {
  if (!sinks.eventsTable)
    return { name: 'events table', status: 'skipped', detail: 'dynamodb-indexer not wired' };
  const table = sinks.eventsTable.name;
  const items = await sinks.eventsTable.items();
  const ids = new Set<string>();
  for (const item of items) {
    const id = str(item.id);
    if (id) ids.add(id);
  }
  let missing = 0;
  for (const id of ledger.valid.keys()) if (!ids.has(id)) missing++;
  return {
    name: 'events table: every valid event stored once by id',
    status: missing === 0 ? 'ok' : 'failed',
    detail: `${ids.size} distinct ids in ${items.length} items of ${table}; missing ${missing}`,
    expected: ledger.valid.size,
    actual: ledger.valid.size - missing,
  };
}

async function windowsCheck(sinks: SinkReader, ledger: ProducedLedger): Promise<Check> {
  if (!sinks.windows)
    return { name: 'windows', status: 'skipped', detail: 'stream-aggregator not wired' };
  const seconds = sinks.windows.seconds;
  const items = await sinks.windows.items();
  const pending = (await sinks.windows.pendingStarts?.()) ?? new Set<string>();
  // Each final window (series, start) must hold exactly the readings produced for that series in
  // that window. A window not emitted yet is open, not wrong: at the end of a run every lane closes
  // its last windows on its own watermark, and a closed window is emitted by the flush of a later
  // invocation (or the idle rule), not necessarily before its series' later windows. For the same
  // reason a final window whose start the aggregator still marks dirty is open: a reading that
  // arrived after its final emission was applied as a correction, and revision + 1 is not sent yet.
  const expected = new Map<string, number>();
  let telemetry = 0;
  for (const { type, timeMs, series } of ledger.valid.values()) {
    if (type !== 'telemetry.reading') continue;
    telemetry++;
    const start = new Date(Math.floor(timeMs / (seconds * 1000)) * seconds * 1000).toISOString();
    const key = `${series ?? ''}\u0000${start}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  let compared = 0;
  let events = 0;
  let revising = 0;
  const mismatches: string[] = [];
  for (const item of items) {
    if (str(item.kind) !== 'telemetry') continue;
    let final = false;
    try {
      // The window's event: deflated in `z` (the aggregator's window item), or JSON in `event`.
      const z = item.z && 'B' in item.z ? item.z.B : undefined;
      const json = z ? inflateRawSync(z).toString() : str(item.event);
      final = (JSON.parse(json ?? '{}') as { data?: { final?: boolean } }).data?.final === true;
    } catch {
      final = false;
    }
    if (!final) continue;
    const series = str(item.series) ?? '';
    const start = str(item.windowStart) ?? '';
    if (pending.has(start)) {
      revising++;
      continue;
    }
    const count = numOf(item.count) ?? 0;
    const want = expected.get(`${series}\u0000${start}`) ?? 0;
    compared++;
    events += count;
    if (count !== want) mismatches.push(`${start} ${series}: ${count} ≠ ${want}`);
  }
  const open = telemetry - events;
  const revisingNote = revising > 0 ? `; ${revising} final windows with a revision pending` : '';
  if (compared === 0) {
    return {
      name: 'windows: final telemetry window counts equal the telemetry events',
      status: 'skipped',
      detail: `no final window yet (${open} events in windows not emitted yet${revisingNote})`,
    };
  }
  return {
    name: 'windows: final telemetry window counts equal the telemetry events',
    status: mismatches.length === 0 ? 'ok' : 'failed',
    detail: `${compared} final windows (${seconds} s) hold ${events} events; ${open} events in windows not emitted yet${revisingNote}${mismatches.length ? `; mismatches: ${mismatches.slice(0, 5).join(', ')}` : ''}`,
    expected: compared,
    actual: compared - mismatches.length,
  };
}

/** Documents in `${prefix}*` of an OpenSearch endpoint that needs no signing (refreshed first). */
async function countDocuments(endpoint: string, prefix: string): Promise<number> {
  await fetch(`${endpoint}/_refresh`, { method: 'POST' }).catch(() => undefined);
  const res = await fetch(`${endpoint}/${prefix}*/_count`);
  const body = (await res.json()) as { count?: number };
  if (typeof body.count !== 'number') throw new Error(`HTTP ${res.status}`);
  return body.count;
}

async function searchCheck(sinks: SinkReader, ledger: ProducedLedger): Promise<Check> {
  const name = 'search index: one document per valid event';
  if (!sinks.search)
    return { name, status: 'skipped', detail: 'opensearch-indexer or its stand-in not wired' };
  const { prefix } = sinks.search;
  try {
    const count = await sinks.search.count();
    return {
      name,
      status: count === ledger.valid.size ? 'ok' : 'failed',
      detail: `${count} documents in ${prefix}* for ${ledger.valid.size} valid events`,
      expected: ledger.valid.size,
      actual: count,
    };
  } catch (error) {
    return { name, status: 'skipped', detail: `cannot count documents: ${String(error)}` };
  }
}

async function warehouseChecks(sinks: SinkReader, ledger: ProducedLedger): Promise<Check[]> {
  const warehouse = sinks.warehouse;
  if (!warehouse) {
    return [{ name: 'warehouse', status: 'skipped', detail: 'warehouse-loader not wired' }];
  }
  const { eventsTable, windowsTable } = warehouse;
  const checks: Check[] = [];
  try {
    const [row] = await warehouse.query(`SELECT COUNT(*), COUNT(DISTINCT id) FROM ${eventsTable}`);
    const rows = Number(row?.[0] ?? 0);
    const distinct = Number(row?.[1] ?? 0);
    checks.push({
      name: `warehouse: ${eventsTable} holds every valid event once`,
      status: rows === ledger.valid.size && distinct === rows ? 'ok' : 'failed',
      detail: `${rows} rows (${distinct} distinct ids) for ${ledger.valid.size} valid events`,
      expected: ledger.valid.size,
      actual: rows,
    });
    // Windows: one row per (series, window start, revision) archived under aggregates/.
    const prefix = warehouse.windowsPrefix;
    const objects = await warehouse.windowObjects();
    const keys = new Set<string>();
    for (const o of objects) {
      const text = Buffer.from(o.key.endsWith('.gz') ? gunzipSync(o.body) : o.body).toString(
        'utf8',
      );
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          const e = JSON.parse(line) as {
            data?: { series?: string; windowStart?: string; revision?: number };
          };
          keys.add(`${e.data?.series}|${e.data?.windowStart}|${e.data?.revision}`);
        } catch {
          // an unparseable line cannot be loaded either
        }
      }
    }
    const [wrow] = await warehouse.query(`SELECT COUNT(*) FROM ${windowsTable}`);
    const windows = Number(wrow?.[0] ?? 0);
    checks.push({
      name: `warehouse: ${windowsTable} holds every archived window revision once`,
      status: windows === keys.size ? 'ok' : 'failed',
      detail: `${windows} rows for ${keys.size} window revisions in ${objects.length} ${prefix} objects`,
      expected: keys.size,
      actual: windows,
    });
  } catch (error) {
    checks.push({ name: 'warehouse', status: 'failed', detail: `cannot query: ${String(error)}` });
  }
  checks.push(...warehouse.queues());
  return checks;
}

/** The aggregator's window table when it writes one (WINDOW_TABLE=on; a query store, optional). */
function aggregatorWindowTable(pipeline: Pipeline): string | undefined {
  if (fnEnv(pipeline, 'streamlens-stream-aggregator', 'WINDOW_TABLE') !== 'on') return undefined;
  return fnEnv(pipeline, 'streamlens-stream-aggregator', 'WINDOW_TABLE_NAME');
}

/** The local pipeline's sinks: its stand-ins, and what its emulators counted. */
export function pipelineSinks(pipeline: Pipeline): SinkReader {
  const wired = new Set(pipeline.functions.map((f) => f.definition.service));
  const indexerEnv = pipeline.functions.find(
    (f) => f.definition.service === 'streamlens-dynamodb-indexer',
  )?.definition.environment;
  const eventsTable = indexerEnv
    ? Object.entries(indexerEnv).find(([k]) => k.includes('TABLE'))?.[1]
    : undefined;
  const windowTable = aggregatorWindowTable(pipeline);
  const stateTable = fnEnv(pipeline, 'streamlens-stream-aggregator', 'STATE_TABLE_NAME');
  const endpoint = pipeline.aws.env.OPENSEARCH_ENDPOINT;
  const prefix = fnEnv(pipeline, 'streamlens-opensearch-indexer', 'INDEX_PREFIX') ?? '';
  const loader = pipeline.functions.find((f) => f.sqsMappings.length > 0 && pipeline.warehouse);
  const warehouse = pipeline.warehouse;
  const env = loader?.definition.environment;
  return {
    ...(pipeline.firehoses.length > 0
      ? {
          lake: {
            objects: (p?: string) => pipeline.aws.getObjects(pipeline.lakeBucket, p),
            dropped: () => pipeline.firehoses.reduce((n, f) => n + f.stats.dropped, 0),
          },
        }
      : {}),
    ...(eventsTable
      ? { eventsTable: { name: eventsTable, items: () => pipeline.scanTable(eventsTable) } }
      : {}),
    ...(windowTable
      ? {
          windows: {
            seconds: Number(
              fnEnv(pipeline, 'streamlens-stream-aggregator', 'WINDOW_SECONDS') ?? 60,
            ),
            items: () => pipeline.scanTable(windowTable),
            ...(stateTable ? { pendingStarts: () => dirtyWindowStarts(pipeline, stateTable) } : {}),
          },
        }
      : {}),
    ...(wired.has('streamlens-opensearch-indexer') && endpoint
      ? { search: { prefix, count: () => countDocuments(endpoint, prefix) } }
      : {}),
    ...(warehouse && loader && env
      ? {
          warehouse: {
            eventsTable: env.EVENTS_TABLE || 'events',
            windowsTable: env.WINDOWS_TABLE || 'metrics_windows',
            windowsPrefix: env.WINDOWS_PREFIX || 'aggregates/',
            windowObjects: () =>
              pipeline.aws.getObjects(pipeline.lakeBucket, env.WINDOWS_PREFIX || 'aggregates/'),
            query: (sql: string) =>
              runStatement(pipeline.aws.clients().redshiftData, warehouse.target, sql),
            queues: () =>
              loader.sqsMappings.map((m): Check => {
                const dlq = m.queue.options.redrive?.deadLetter;
                const notified = pipeline.lakeNotifier?.stats.objects ?? 0;
                return {
                  name: `warehouse: every lake object notification consumed (${m.queue.name})`,
                  status: m.queue.size() === 0 && (dlq?.size() ?? 0) === 0 ? 'ok' : 'failed',
                  detail: `${notified} objects notified, ${m.queue.stats.sent} messages, ${m.stats.messagesDeleted} deleted after a load, ${m.queue.size()} left, ${dlq?.size() ?? 0} in ${dlq?.name ?? 'no DLQ'}`,
                };
              }),
          },
        }
      : {}),
  };
}

/**
 * The window starts the aggregator's state table marks dirty: its marker items (`pk` `M#<bucket>`,
 * the window start in milliseconds in `ws`), one per lane and window until a flush emits it.
 */
async function dirtyWindowStarts(pipeline: Pipeline, stateTable: string): Promise<Set<string>> {
  const starts = new Set<string>();
  for (const item of await pipeline.scanTable(stateTable)) {
    const ws = numOf(item.ws);
    if (str(item.pk)?.startsWith('M#') && ws !== undefined) starts.add(new Date(ws).toISOString());
  }
  return starts;
}

/** The data checks of every sink against what was produced. */
export async function reconcileSinks(sinks: SinkReader, ledger: ProducedLedger): Promise<Check[]> {
  const checks: Check[] = [
    ...(await lakeCheck(sinks, ledger)),
    await eventsTableCheck(sinks, ledger),
    await windowsCheck(sinks, ledger),
    await searchCheck(sinks, ledger),
    ...(await warehouseChecks(sinks, ledger)),
  ];
  if (ledger.rejected > 0) {
    checks.push({
      name: 'producer: every record accepted by Kinesis',
      status: 'failed',
      detail: `${ledger.rejected} records rejected after the producer's retries`,
    });
  }
  return checks;
}

/** Windows from an anomaly's onset to its first alert that the target allows. */
export const ALERT_TARGET_WINDOWS = 2;
/** Alerts matching no injected anomaly that the target allows in one run. */
export const ALERT_TARGET_FALSE = 1;

/** Alert quality with its verdict against the target of an on-call tool. */
export interface AlertQualityVerdict extends AlertQuality {
  readonly alerts: number;
  /** Alerted anomalies whose first alert came later than ALERT_TARGET_WINDOWS after the onset. */
  readonly late: number;
  /**
   * Every anomaly the detector could score (series past warm-up at the onset) alerted within
   * ALERT_TARGET_WINDOWS windows, and at most ALERT_TARGET_FALSE alerts that match none.
   */
  readonly meetsTarget: boolean;
}

export function alertQualityVerdict(q: AlertQuality, alerts: number): AlertQualityVerdict {
  const late = q.byKind
    .flatMap((k) => k.windowsToAlert)
    .filter((w) => w > ALERT_TARGET_WINDOWS).length;
  return {
    ...q,
    alerts,
    late,
    meetsTarget: q.missed === 0 && late === 0 && q.falseAlerts <= ALERT_TARGET_FALSE,
  };
}

/** One line: the verdict, the target, and the numbers per kind. */
export function formatAlertQuality(v: AlertQualityVerdict): string {
  const perKind = formatQuality(v);
  const injected = v.found + v.missed + v.inWarmup;
  return `alert quality: ${v.meetsTarget ? 'MEETS TARGET' : 'BELOW TARGET'} (every anomaly on a series past warm-up alerted within ${ALERT_TARGET_WINDOWS} windows, at most ${ALERT_TARGET_FALSE} alert matching none)
  ${injected} injected: ${v.found} found (${v.late} later than ${ALERT_TARGET_WINDOWS} windows), ${v.missed} missed, ${v.inWarmup} in warm-up${perKind ? ` (${perKind})` : ''}; ${v.falseAlerts} alerts matched no injected anomaly (${v.alerts} alerts in all)
`;
}

/**
 * The detector's warm-up as the run configured it (anomaly-alerts' DETECTOR_WARMUP_POINTS), and
 * each series' windows before a time from the aggregator's window table: what the detector had
 * seen of the series when an anomaly began.
 */
async function warmupRule(pipeline: Pipeline): Promise<WarmupRule | undefined> {
  const table = aggregatorWindowTable(pipeline);
  const points = Number(fnEnv(pipeline, 'streamlens-anomaly-alerts', 'DETECTOR_WARMUP_POINTS'));
  if (!table || !Number.isFinite(points)) return undefined;
  const seconds = Number(fnEnv(pipeline, 'streamlens-stream-aggregator', 'WINDOW_SECONDS') ?? 60);
  const starts = new Map<string, number[]>();
  for (const item of await pipeline.scanTable(table)) {
    const series = str(item.series);
    const start = Date.parse(str(item.windowStart) ?? '');
    if (!series || Number.isNaN(start)) continue;
    const list = starts.get(series) ?? [];
    list.push(start);
    starts.set(series, list);
  }
  return {
    warmupPoints: points,
    windowsBefore: (series, beforeMs) =>
      (starts.get(series) ?? []).filter((s) => s + seconds * 1000 <= beforeMs).length,
  };
}

/** Check every sink against what was produced. */
export async function reconcile(
  pipeline: Pipeline,
  ledger: ProducedLedger,
  alerts: readonly SeenAlert[] = [],
): Promise<Reconciliation> {
  const checks = await reconcileSinks(pipelineSinks(pipeline), ledger);
  const wired = new Set(pipeline.functions.map((f) => f.definition.service));
  // Alert quality is a measurement of the detector, not a check that data arrived: it is reported
  // beside the reconciliation with its own verdict (`alertQuality`), as throughput is.
  const alertVerdict = wired.has('streamlens-anomaly-alerts')
    ? alertQualityVerdict(
        alertQuality(alerts, ledger.truth, undefined, await warmupRule(pipeline)),
        alerts.length,
      )
    : undefined;
  const byDestination = new Map<string, { batches: number; records: number }>();
  for (const { destinationArn, record } of pipeline.failures.records) {
    const entry = byDestination.get(destinationArn) ?? { batches: 0, records: 0 };
    entry.batches++;
    entry.records += record.KinesisBatchInfo.batchSize;
    byDestination.set(destinationArn, entry);
  }
  return {
    ok: checks.every((c) => c.status !== 'failed'),
    ...(alertVerdict ? { alertQuality: alertVerdict } : {}),
    produced: {
      valid: ledger.valid.size,
      invalid: ledger.invalid,
      rejected: ledger.rejected,
      resent: ledger.resent,
      anomalies: ledger.truth.length,
    },
    checks,
    failures: [...byDestination].map(([destination, v]) => ({ destination, ...v })),
    firehose: pipeline.firehoses.map((f) => ({ ...f.stats })),
    functions: pipeline.functions.map((f) => ({
      name: f.definition.name,
      container: { ...f.container.stats },
      mappings: f.mappings.map((m) => ({ stream: m.settings.streamName, ...m.stats })),
      sqs: f.sqsMappings.map((m) => ({
        queue: m.queue.name,
        ...m.stats,
        queueStats: { ...m.queue.stats },
      })),
    })),
    notWired: pipeline.notWired,
    chaos: {
      crashes: pipeline.functions.reduce((n, f) => n + f.container.stats.crashes, 0),
      redeliveries: pipeline.functions.reduce(
        (n, f) => n + f.mappings.reduce((m, x) => m + x.stats.redeliveries, 0),
        0,
      ),
      sinkFaults: pipeline.proxies.reduce(
        (n, p) => n + Object.values(p.stats().injected).reduce((a, b) => a + b, 0),
        0,
      ),
    },
  };
}
