// `pnpm dashboard --stage X` reads a deployed stage through the SDK's Kinesis client; here the same
// code reads the Kinesis stand-in with a client whose endpoint is the stand-in's (HTTP/1.1: the
// Kinesis client's default HTTP/2 handler is for the real service).
import { randomUUID } from 'node:crypto';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from '@jest/globals';
import { type SeriesItem, scoreWindow } from '@streamlens/anomaly-alerts/scoring';
import { DynamoSeriesStore } from '@streamlens/anomaly-alerts/store';
import { connectLocalAws } from '@streamlens/local-aws';
import { type AlertAnomaly, seriesKey } from '@streamlens/schema';
import { metricsWindow } from '@streamlens/schema/testing';
import { type RunningDashboard, startStageDashboard } from '../../src/dashboard.js';
import { detectorConfig } from '../../src/score.js';

const aws = connectLocalAws();
const running: RunningDashboard[] = [];
afterAll(async () => {
  await Promise.all(running.map((d) => d.close()));
  aws.close();
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const json = async (url: URL) => (await (await fetch(url)).json()) as Record<string, unknown>;

describe('the dashboard of a deployed stage (pointed at the stand-ins)', () => {
  it('shows the windows of the look-back, each revision once, and counts the rest', async () => {
    // Arrange: a stage's aggregates stream with a window, its correction, a redelivery and junk.
    const stage = `dash${randomUUID().slice(0, 8)}`;
    const stream = `streamlens-${stage}-aggregates`;
    await aws.createResources({ streams: [{ name: stream, shardCount: 2 }] });
    const first = metricsWindow({ data: { revision: 0, mean: 10 } });
    const correction = metricsWindow({ data: { revision: 1, mean: 12, count: 4 } });
    const records = [first, correction, first].map((e) => ({
      Data: Buffer.from(JSON.stringify(e)),
      PartitionKey: e.data.series,
    }));
    records.push({ Data: Buffer.from('{"not":"a window"'), PartitionKey: 'x' });
    const { kinesis } = aws.clients();
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records }));

    // Act
    const dashboard = await startStageDashboard(
      { stage, region: 'us-east-1', aggregatesStream: stream, lookbackMinutes: 5, kinesis },
      0,
    );
    running.push(dashboard);
    const key = encodeURIComponent(first.data.series);
    const detail = await until(async () => {
      const d = await json(new URL(`/api/series/detail?key=${key}`, dashboard.server.url));
      return (d.windows as { revision: number }[] | undefined)?.[0]?.revision === 1 ? d : undefined;
    });
    const status = await json(new URL('/api/status', dashboard.server.url));

    // Assert
    expect(detail.windows).toEqual([
      expect.objectContaining({ revision: 1, mean: 12, revisedFrom: { count: 3, mean: 10 } }),
    ]);
    expect(status).toMatchObject({
      label: `stage ${stage} (us-east-1)`,
      status: { state: 'ok' },
      rejected: { INVALID_JSON: 1 },
      limits: { alerts: expect.stringContaining('SNS keeps no history') },
    });
  });

  it('says the stage is not found when its stream does not exist', async () => {
    // Arrange
    const stage = `absent${randomUUID().slice(0, 8)}`;

    // Act
    const dashboard = await startStageDashboard(
      {
        stage,
        region: 'us-east-1',
        aggregatesStream: `streamlens-${stage}-aggregates`,
        lookbackMinutes: 5,
        kinesis: aws.clients().kinesis,
      },
      0,
    );
    running.push(dashboard);
    const status = await until(async () => {
      const s = (await json(new URL('/api/status', dashboard.server.url))).status as {
        state: string;
      };
      return s.state === 'starting' ? undefined : s;
    });

    // Assert
    expect(status).toMatchObject({ state: 'error', reason: 'not-found' });
  });
});

const MINUTE = 60_000;
const T0 = Date.parse('2026-12-08T00:00:00.000Z');
/**
 * A stage's stream with one window in it. (kinesalite does not answer a GetRecords at an
 * AT_TIMESTAMP iterator of a shard that never had a record; AWS answers it with no records.)
 */
async function streamWithAWindow(name: string): Promise<void> {
  await aws.createResources({ streams: [{ name, shardCount: 1 }] });
  const w = metricsWindow();
  await aws.clients().kinesis.send(
    new PutRecordsCommand({
      StreamName: name,
      Records: [{ Data: Buffer.from(JSON.stringify(w)), PartitionKey: w.data.series }],
    }),
  );
}

/** Alerting as a stage configures it (params), recovery after 3 normal windows. */
const ALERTING = {
  threshold: 0.5,
  severityCuts: { medium: 0.5, high: 0.6, critical: 0.7 },
  recoveryWindows: 3,
  cooldownSeconds: 0,
  logDirection: 'up' as const,
};
const DETECTOR = detectorConfig(5);

/** Minute `i` of a series: a steady value with a little deterministic noise, or `value`. */
function minute(host: string, i: number, value = 50 + 3 * Math.sin(i * 1.7)) {
  const dimensions = { host, service: 'checkout' };
  const windowStart = new Date(T0 + i * MINUTE).toISOString();
  return metricsWindow({
    data: {
      series: seriesKey('cpu.utilization', dimensions),
      metric: 'cpu.utilization',
      dimensions,
      windowStart,
      windowEnd: new Date(T0 + (i + 1) * MINUTE).toISOString(),
      windowSeconds: 60,
      revision: 0,
      count: 10,
      sum: value * 10,
      min: value,
      max: value,
      mean: value,
      p50: value,
      p90: value,
      p99: value,
      final: true,
    },
  });
}

/**
 * A series' item as anomaly-alerts leaves it after scoring `values` (anomaly-alerts' own
 * scoreWindow), with the alerts it raised; `published` empties the outbox as a publish does.
 */
function scored(host: string, values: (number | undefined)[], published: boolean) {
  let item: SeriesItem | undefined;
  const alerts: AlertAnomaly[] = [];
  values.forEach((v, i) => {
    const outcome = scoreWindow(
      item,
      minute(host, i, v),
      new Date().toISOString(),
      DETECTOR,
      ALERTING,
    );
    if (outcome.kind !== 'apply') throw new Error(`window ${i} skipped: ${outcome.reason}`);
    item = outcome.item;
    if (outcome.alert) alerts.push(outcome.alert);
  });
  if (!item) throw new Error('no windows');
  return { item: published ? { ...item, outbox: [] } : item, alerts };
}

describe('the Alerts view of a deployed stage (pointed at the stand-ins)', () => {
  it("lists the episodes held in anomaly-alerts' state table, newest first, under their alert ids", async () => {
    // Arrange: a stage whose detector closed an episode on one series (alerts published) and
    // opened one on another (its alert still in the outbox).
    const stage = `dash${randomUUID().slice(0, 8)}`;
    const stream = `streamlens-${stage}-aggregates`;
    const stateTable = `streamlens-${stage}-anomaly-state`;
    await streamWithAWindow(stream);
    await aws.createResources({
      tables: [
        {
          TableName: stateTable,
          KeySchema: [{ AttributeName: 'series', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'series', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        },
      ],
    });
    const steady = (n: number) => Array.from({ length: n }, () => undefined);
    const closed = scored('web-1', [...steady(30), 500, ...steady(3)], true);
    const open = scored('web-2', [...steady(40), 500], false);
    const { dynamodb, kinesis } = aws.clients();
    const store = new DynamoSeriesStore(DynamoDBDocumentClient.from(dynamodb), stateTable);
    for (const s of [closed, open]) expect(await store.put(s.item, 0)).toBe(true);

    // Act
    const dashboard = await startStageDashboard(
      {
        stage,
        region: 'us-east-1',
        aggregatesStream: stream,
        lookbackMinutes: 5,
        stateTable,
        kinesis,
        dynamodb,
      },
      0,
    );
    running.push(dashboard);
    const listed = await until(async () => {
      const a = (await json(new URL('/api/alerts', dashboard.server.url))).alerts as Record<
        string,
        unknown
      >[];
      return a.length >= 3 ? a : undefined;
    });
    const status = await json(new URL('/api/status', dashboard.server.url));

    // Assert: the ids are those of the alerts anomaly-alerts raised (a subscriber's ids).
    expect(closed.alerts.map((a) => a.data.status)).toEqual(['open', 'recovered']);
    expect(open.alerts.map((a) => a.data.status)).toEqual(['open']);
    const [opened, recovered] = closed.alerts as [AlertAnomaly, AlertAnomaly];
    const pending = open.alerts[0] as AlertAnomaly;
    expect(listed.map((a) => a.id)).toEqual([pending.id, recovered.id, opened.id]);
    expect(listed[0]).toMatchObject({
      status: 'open',
      series: pending.data.series,
      observed: 500,
      explanation: pending.data.explanation,
    });
    expect(listed[1]).toMatchObject({
      status: 'recovered',
      windowStart: recovered.data.windowStart,
      episodeId: opened.data.episodeId,
      explanation: expect.stringContaining(`opened at window ${opened.data.windowStart}`),
    });
    expect(listed[2]).toMatchObject({ status: 'open', windowStart: opened.data.windowStart });
    expect(status).toMatchObject({
      status: { state: 'ok' },
      problems: {},
      notes: { alerts: expect.stringContaining(stateTable) },
    });
  });

  it('says the state table is not found in the Alerts view while the windows still show', async () => {
    // Arrange: the stage's stream exists, anomaly-alerts is not deployed.
    const stage = `noalerts${randomUUID().slice(0, 8)}`;
    const stream = `streamlens-${stage}-aggregates`;
    await streamWithAWindow(stream);
    const { dynamodb, kinesis } = aws.clients();

    // Act
    const dashboard = await startStageDashboard(
      {
        stage,
        region: 'us-east-1',
        aggregatesStream: stream,
        lookbackMinutes: 5,
        stateTable: `streamlens-${stage}-anomaly-state`,
        kinesis,
        dynamodb,
      },
      0,
    );
    running.push(dashboard);
    const status = await until(async () => {
      const s = await json(new URL('/api/status', dashboard.server.url));
      return (s.problems as Record<string, unknown>).alerts ? s : undefined;
    });

    // Assert
    expect(status).toMatchObject({
      status: { state: 'ok' },
      problems: {
        alerts: {
          reason: 'not-found',
          message: `state table streamlens-${stage}-anomaly-state not found`,
        },
      },
    });
  });
});
