// A deployed stage's resources on the stand-ins, as the stage dashboard reads them: its
// aggregates stream and anomaly-alerts' state table with items anomaly-alerts itself produced.
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type SeriesItem, scoreWindow } from '@streamlens/anomaly-alerts/scoring';
import { DynamoSeriesStore } from '@streamlens/anomaly-alerts/store';
import type { LocalAwsConnection } from '@streamlens/local-aws';
import { type AlertAnomaly, seriesKey } from '@streamlens/schema';
import { metricsWindow } from '@streamlens/schema/testing';
import { detectorConfig } from '../../src/score.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-12-08T00:00:00.000Z');

/**
 * A stage's stream with one window in it. (kinesalite does not answer a GetRecords at an
 * AT_TIMESTAMP iterator of a shard that never had a record; AWS answers it with no records.)
 */
export async function streamWithAWindow(aws: LocalAwsConnection, name: string): Promise<void> {
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

/** `n` steady minutes. */
export const steady = (n: number): undefined[] => Array.from({ length: n }, () => undefined);

/**
 * A series' item as anomaly-alerts leaves it after scoring `values` (anomaly-alerts' own
 * scoreWindow), with the alerts it raised; `published` empties the outbox as a publish does.
 */
export function scored(host: string, values: (number | undefined)[], published: boolean) {
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

/** anomaly-alerts' state table (as its serverless.yml defines it) holding `items`. */
export async function stateTableWith(
  aws: LocalAwsConnection,
  name: string,
  items: readonly SeriesItem[],
): Promise<void> {
  await aws.createResources({
    tables: [
      {
        TableName: name,
        KeySchema: [{ AttributeName: 'series', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'series', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    ],
  });
  const store = new DynamoSeriesStore(DynamoDBDocumentClient.from(aws.clients().dynamodb), name);
  for (const item of items) {
    if (!(await store.put(item, 0))) throw new Error(`${item.series} written twice`);
  }
}
