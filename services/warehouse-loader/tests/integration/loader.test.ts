import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '@streamlens/local-aws';
import { type LoaderConfig, loadBatch } from '../../src/loader.js';
import {
  compareCounts,
  countLakeEvents,
  countWarehouseEvents,
  hourlyPercentilesSql,
  migrate,
} from '../../src/ops.js';
import { query } from '../../src/redshift.js';
import { DEFAULT_TABLES } from '../../src/sql.js';
import {
  appLog,
  injectRedshiftFault,
  ndjson,
  putLakeObject,
  reading,
  s3NotificationBody,
  sqsEvent,
} from '../helpers/lake.js';

const aws = connectLocalAws();
const run = Date.now();
const bucket = `wl-lake-${run}`;
const config: LoaderConfig = {
  // A database of its own: the stand-in creates it on first use, so runs never share tables.
  warehouse: { workgroupName: 'streamlens', database: `wl_${run}` },
  copyRoleArn: 'arn:aws:iam::000000000000:role/streamlens-dev-warehouse-copy',
  tables: DEFAULT_TABLES,
  prefixes: { events: 'events/', windows: 'aggregates/' },
  gzip: { events: true, windows: false },
  pollInitialDelayMs: 20,
  pollMaxDelayMs: 200,
};
const rs = () => aws.clients().redshiftData;
const deadline = () => Date.now() + 30_000;
const poll = () => ({ deadline: deadline(), initialDelayMs: 20, maxDelayMs: 200 });
const hourKey = (type: string, name: string) =>
  `events/type=${type}/dt=2026-11-25/hour=10/${name}.gz`;

async function sql(text: string) {
  return query(rs(), config.warehouse, text, undefined, poll());
}

beforeAll(async () => {
  await aws.createResources({ buckets: [bucket] });
  await migrate(rs(), config.warehouse, poll());
});
afterAll(() => aws.close());

describe('warehouse-loader against PostgreSQL + s3rver through the Data API', () => {
  it('loads an object notified twice (same batch and a redelivery) exactly once', async () => {
    // Prepare
    const events = Array.from({ length: 20 }, (_, i) =>
      reading(`dup-${i}`, 'latency', i, `2026-11-25T10:${String(i).padStart(2, '0')}:00.000Z`),
    );
    const object = await putLakeObject(
      aws.clients().s3,
      bucket,
      hourKey('telemetry.reading', 'dup'),
      ndjson(events),
    );
    const body = s3NotificationBody([object]);
    // Act
    const first = await loadBatch(sqsEvent([body, body], 'dup-a'), rs(), config, deadline());
    const second = await loadBatch(sqsEvent([body], 'dup-b'), rs(), config, deadline());
    // Assess
    expect(first.response.batchItemFailures).toEqual([]);
    expect(second.response.batchItemFailures).toEqual([]);
    expect(first.outcomes.map((o) => o.objects[0]?.status)).toEqual(['loaded', 'skipped']);
    expect(second.outcomes[0]?.objects[0]).toMatchObject({
      status: 'skipped',
      reason: 'already-loaded',
    });
    const [count] = await sql("SELECT COUNT(*) AS n FROM events WHERE id LIKE 'dup-%'");
    expect(Number(count?.n)).toBe(20);
    const ledger = await sql(
      `SELECT status, attempts, rows_loaded, statement_id FROM streamlens_loads WHERE object_key = '${object.key}'`,
    );
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ status: 'loaded', attempts: 1 });
    expect(Number(ledger[0]?.rows_loaded)).toBe(20);
    expect(ledger[0]?.statement_id).toBe(
      first.outcomes[0]?.objects[0]?.status === 'loaded'
        ? first.outcomes[0].objects[0].statementId
        : 'x',
    );
  });

  it('fails a malformed object with a readable error without blocking the other messages', async () => {
    // Prepare
    const bad = await putLakeObject(
      aws.clients().s3,
      bucket,
      hourKey('telemetry.reading', 'bad'),
      '{"id": "x", oops\n',
    );
    const good = await putLakeObject(
      aws.clients().s3,
      bucket,
      hourKey('app.log', 'good'),
      ndjson([
        appLog('log-1', '2026-11-25T10:00:00.000Z'),
        appLog('log-2', '2026-11-25T10:01:00.000Z'),
      ]),
    );
    // Act
    const result = await loadBatch(
      sqsEvent([s3NotificationBody([bad]), s3NotificationBody([good]), 'not json'], 'mal'),
      rs(),
      config,
      deadline(),
    );
    // Assess
    expect(result.response.batchItemFailures).toEqual([
      { itemIdentifier: 'mal-0' },
      { itemIdentifier: 'mal-2' },
    ]);
    expect(result.outcomes[0]?.error).toMatch(
      /Load from 's3:\/\/.*bad\.gz' failed: invalid JSON on line 1/,
    );
    expect(result.outcomes[1]?.objects[0]?.status).toBe('loaded');
    expect(result.outcomes[2]?.error).toMatch(/not JSON/);
    const ledger = await sql(
      `SELECT status, attempts, error FROM streamlens_loads WHERE object_key = '${bad.key}'`,
    );
    expect(ledger[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(String(ledger[0]?.error)).toMatch(/invalid JSON on line 1/);
    const [logs] = await sql(
      "SELECT COUNT(*) AS n FROM events WHERE type = 'app.log' AND log_level = 'ERROR'",
    );
    expect(Number(logs?.n)).toBe(2);
  });

  it('retries a failed statement and then succeeds, recording both attempts', async () => {
    // Prepare
    const object = await putLakeObject(
      aws.clients().s3,
      bucket,
      hourKey('telemetry.reading', 'retry'),
      ndjson([
        reading('retry-1', 'cpu', 0.5, '2026-11-25T11:00:00.000Z'),
        reading('retry-2', 'cpu', 0.7, '2026-11-25T11:00:01.000Z'),
      ]),
    );
    await injectRedshiftFault(aws.endpoints.redshift as string, {
      pattern: 'retry\\.gz.*IAM_ROLE',
      count: 1,
      error: 'ERROR: Disk Full (injected)',
    });
    const event = sqsEvent([s3NotificationBody([object])], 'retry');
    // Act
    const first = await loadBatch(event, rs(), config, deadline());
    const afterFirst = await sql(
      `SELECT status, attempts, error FROM streamlens_loads WHERE object_key = '${object.key}'`,
    );
    const second = await loadBatch(event, rs(), config, deadline());
    // Assess
    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: 'retry-0' }]);
    expect(first.outcomes[0]?.objects[0]).toMatchObject({
      status: 'failed',
      error: 'ERROR: Disk Full (injected)',
      attempt: 1,
    });
    expect(afterFirst[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'ERROR: Disk Full (injected)',
    });
    expect(second.response.batchItemFailures).toEqual([]);
    expect(second.outcomes[0]?.objects[0]).toMatchObject({ status: 'loaded', attempt: 2 });
    const ledger = await sql(
      `SELECT status, attempts, error FROM streamlens_loads WHERE object_key = '${object.key}'`,
    );
    expect(ledger).toEqual([{ status: 'loaded', attempts: 2, error: null }]);
    const [count] = await sql("SELECT COUNT(*) AS n FROM events WHERE id LIKE 'retry-%'");
    expect(Number(count?.n)).toBe(2);
  });

  it('loads window aggregates keyed by series, window start and revision', async () => {
    // Prepare
    const window = (revision: number, p99: number) => ({
      specversion: '1.0',
      id: `cpu|2026-11-25T10:00:00.000Z|r${revision}`,
      source: 'streamlens/stream-aggregator',
      type: 'metrics.window',
      time: '2026-11-25T10:01:00.000Z',
      subject: 'cpu',
      data: {
        series: 'cpu',
        kind: 'telemetry',
        metric: 'cpu',
        dimensions: {},
        windowStart: '2026-11-25T10:00:00.000Z',
        windowEnd: '2026-11-25T10:01:00.000Z',
        windowSeconds: 60,
        revision,
        count: 3,
        sum: 3,
        min: 0.5,
        max: 1.5,
        mean: 1,
        p50: 1,
        p90: 1.4,
        p99,
        final: revision === 1,
      },
    });
    const object = await putLakeObject(
      aws.clients().s3,
      bucket,
      'aggregates/dt=2026-11-25/abc.ndjson',
      ndjson([window(0, 1.4), window(1, 1.5), window(1, 1.5)]),
      false,
    );
    // Act
    const result = await loadBatch(
      sqsEvent([s3NotificationBody([object])], 'win'),
      rs(),
      config,
      deadline(),
    );
    // Assess
    expect(result.response.batchItemFailures).toEqual([]);
    const rows = await sql(
      'SELECT revision, p99, final, window_seconds FROM metrics_windows ORDER BY revision',
    );
    expect(rows).toEqual([
      { revision: 0, p99: 1.4, final: false, window_seconds: 60 },
      { revision: 1, p99: 1.5, final: true, window_seconds: 60 },
    ]);
  });

  it('has the same events in the warehouse as in the lake, and the hourly p99 query runs', async () => {
    // Act
    const lake = await countLakeEvents(aws.clients().s3, bucket, 'events/');
    const warehouse = await countWarehouseEvents(rs(), config.warehouse, config.tables, poll());
    const hourly = await sql(hourlyPercentilesSql(config.tables));
    // Assess
    expect(lake.events).toBe(24);
    expect(compareCounts(lake, warehouse)).toEqual({ agree: true, differences: [] });
    const latency = hourly.find((r) => r.metric === 'latency');
    expect(Number(latency?.readings)).toBe(20);
    expect(Number(latency?.p99)).toBeCloseTo(18.81, 5);
    expect(String(latency?.hour)).toMatch(/^2026-11-25 10:00:00/);
  });
});
