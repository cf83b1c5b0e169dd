import { randomUUID } from 'node:crypto';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDocumentClient } from '@streamlens/lambda-kit/dynamodb';
import { processKinesisBatch } from '@streamlens/lambda-kit/kinesis';
import {
  connectLocalAws,
  receiveLocalQueue,
  type SnsServer,
  startSnsServer,
} from '@streamlens/local-aws';
import type { MetricsWindow } from '@streamlens/schema';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { DEFAULT_ALERTING_CONFIG } from '../../src/alerting/episode.js';
import { processWindowBatch } from '../../src/batch.js';
import { DEFAULT_DETECTOR_CONFIG } from '../../src/detector/index.js';
import { emptyCounters, type ProcessCounters, type ProcessorDeps } from '../../src/processor.js';
import { SnsAlertPublisher } from '../../src/publisher.js';
import type { SeriesItem } from '../../src/scoring.js';
import { DynamoSeriesStore } from '../../src/store.js';
import { createRecordHandler } from '../helpers/record-handler.js';
import { kinesisEventOf, type SeriesOptions, steadyValues, windowAt } from '../helpers/windows.js';

const aws = connectLocalAws();
const table = `anomaly-state-${randomUUID()}`;
const doc = createDocumentClient({ maxAttempts: 1 });
let topicArn: string;
const run = randomUUID().slice(0, 8);
const queueAll = `all-${run}`;
const queueCritical = `logs-${run}`;

beforeAll(async () => {
  const created = await aws.createResources({
    tables: [
      {
        TableName: table,
        KeySchema: [{ AttributeName: 'series', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'series', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    ],
    topics: [
      {
        name: `alerts-${run}`,
        subscriptions: [
          { protocol: 'sqs', endpoint: queueAll },
          // Only error-count alerts that open an episode: what an on-call pager would subscribe.
          {
            protocol: 'sqs',
            endpoint: queueCritical,
            filterPolicy: {
              metric: [{ prefix: 'log.' }],
              status: ['open'],
              type: ['alert.anomaly'],
            },
          },
        ],
      },
    ],
  });
  topicArn = created.topics?.[`alerts-${run}`] as string;
});

afterAll(() => {
  doc.destroy();
  aws.close();
});

function deps(sns: SNSClient, extra: Partial<ProcessorDeps> = {}): ProcessorDeps {
  return {
    store: new DynamoSeriesStore(doc, table),
    publisher: new SnsAlertPublisher(sns, topicArn, { maxAttempts: 4, baseDelayMs: 5 }),
    detector: DEFAULT_DETECTOR_CONFIG,
    alerting: DEFAULT_ALERTING_CONFIG,
    maxConflictRetries: 5,
    outboxLeaseMs: 5_000,
    ...extra,
  };
}

function invoke(
  event: KinesisStreamEvent,
  d: ProcessorDeps,
  counters: ProcessCounters = emptyCounters(),
) {
  return processKinesisBatch(event, createRecordHandler(d, counters));
}

function series(
  host: string,
  n: number,
  spikeAt?: number,
  kind: 'telemetry' | 'log' = 'telemetry',
): MetricsWindow[] {
  const opts: SeriesOptions =
    kind === 'log'
      ? { kind, dimensions: { level: 'ERROR', service: host } }
      : { dimensions: { host, service: 'checkout' } };
  return steadyValues(n, spikeAt).map((v, i) =>
    windowAt(i, kind === 'log' ? Math.round(v / 10) : v, opts),
  );
}

async function alertsIn(queue: string, seriesKey: string) {
  return (await receiveLocalQueue(aws.endpoints.sns as string, queue))
    .map((d) => JSON.parse(d.message))
    .filter((e) => e.data.series === seriesKey);
}

async function itemOf(seriesKey: string): Promise<SeriesItem | undefined> {
  return new DynamoSeriesStore(doc, table).get(seriesKey);
}

describe('anomaly-alerts against DynamoDB Local and the SNS stand-in', () => {
  it('the real handler alerts once per episode and a redelivered batch publishes nothing new', async () => {
    // Prepare
    process.env.STATE_TABLE_NAME = table;
    process.env.ALERTS_TOPIC_ARN = topicArn;
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'streamlens-test';
    const { handler } = await import('../../src/handler.js');
    const windows = series(`web-${run}-h`, 100, 80);
    const event = kinesisEventOf(windows);
    const context = {
      functionName: 'anomaly-alerts',
      awsRequestId: 'r1',
      getRemainingTimeInMillis: () => 60_000,
    } as unknown as Context;
    // Act
    const first = await handler(event, context);
    const second = await handler(structuredClone(event), context);
    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    const alerts = await alertsIn(queueAll, windows[0]?.data.series as string);
    expect(alerts.map((a) => a.data.status)).toEqual(['open', 'recovered']);
    expect(alerts[0].data.windowEventId).toBe(windows[80]?.id);
    expect(await itemOf(windows[0]?.data.series as string)).toMatchObject({
      points: 100,
      version: expect.any(Number),
      outbox: [],
    });
  });

  it('a correction of the spike window withdraws its published open, and the item keeps the pending point through DynamoDB', async () => {
    // Prepare: a spike at the last window, published; then its revision 1 says it was ordinary.
    const sns = new SNSClient({ maxAttempts: 1, region: 'us-east-1' });
    const windows = series(`web-${run}-k`, 81, 80);
    const key = windows[0]?.data.series as string;
    await invoke(kinesisEventOf(windows), deps(sns));
    const before = await itemOf(key);
    const correction = windowAt(
      80,
      51,
      { dimensions: { host: `web-${run}-k`, service: 'checkout' } },
      1,
    );
    // Act
    const res = await invoke(kinesisEventOf([correction, correction], 5000), deps(sns));
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    const alerts = await alertsIn(queueAll, key);
    expect(alerts.map((a) => a.data.status)).toEqual(['open', 'recovered']);
    expect(alerts[1].data.explanation).toMatch(/^Withdrawn: revision 1/);
    expect(alerts[1].data.episodeId).toBe(alerts[0].data.episodeId);
    const after = await itemOf(key);
    expect(before?.pending).toMatchObject({ value: 500, count: 10 });
    expect(after).toMatchObject({
      points: 81,
      lastRevision: 1,
      pending: { value: 51 },
      state: before?.state,
      outbox: [],
      episodes: { open: null },
    });
    expect(after?.recent?.at(-1)).toEqual([Date.parse(correction.data.windowStart), 1, 0]);
    sns.destroy();
  });

  it('two concurrent invocations on the same series apply each window once (conditional-write conflicts retried)', async () => {
    // Prepare
    const sns = new SNSClient({ maxAttempts: 1, region: 'us-east-1' });
    const windows = series(`web-${run}-c`, 90, 70);
    const counters = [emptyCounters(), emptyCounters()];
    // Act: the same batch delivered twice at once (a retry overlapping a slow first attempt).
    const results = await Promise.all([
      invoke(kinesisEventOf(windows), deps(sns), counters[0]),
      invoke(kinesisEventOf(windows), deps(sns), counters[1]),
    ]);
    // Assess
    expect(results.map((r) => r.batchItemFailures)).toEqual([[], []]);
    const item = await itemOf(windows[0]?.data.series as string);
    expect(item?.points).toBe(90);
    expect((counters[0]?.scored ?? 0) + (counters[1]?.scored ?? 0)).toBe(90);
    expect((counters[0]?.conflicts ?? 0) + (counters[1]?.conflicts ?? 0)).toBeGreaterThan(0);
    const alerts = await alertsIn(queueAll, windows[0]?.data.series as string);
    expect(alerts.map((a) => a.data.status)).toEqual(['open', 'recovered']);
    sns.destroy();
  });

  it('a batch of 130 series is read with BatchGetItem (two calls of at most 100 keys), the same items as GetItem', async () => {
    // Prepare
    const sns = new SNSClient({ maxAttempts: 1, region: 'us-east-1' });
    const hosts = Array.from({ length: 130 }, (_, i) => `bg-${run}-${i}`);
    const windows = hosts.map((host) =>
      windowAt(0, 50, { dimensions: { host, service: 'checkout' } }),
    );
    const keys = windows.map((w) => w.data.series);
    const store = new DynamoSeriesStore(doc, table);
    // Act
    const res = await processWindowBatch(kinesisEventOf(windows), deps(sns), emptyCounters());
    const many = await store.getMany([...keys, `missing-${run}`, keys[0] as string]);
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    expect(many.size).toBe(130);
    expect(many.has(`missing-${run}`)).toBe(false);
    for (const key of [keys[0], keys[99], keys[129]] as string[])
      expect(many.get(key)).toEqual(await store.get(key));
    expect(many.get(keys[129] as string)).toMatchObject({ points: 1, version: 1 });
    sns.destroy();
  });

  describe('with SNS faults', () => {
    let faulty: SnsServer;
    let sns: SNSClient;
    let faultyTopic: string;

    beforeAll(async () => {
      faulty = await startSnsServer({ seed: 7 });
      sns = new SNSClient({ endpoint: faulty.endpoint, region: 'us-east-1', maxAttempts: 1 });
      const { CreateTopicCommand, SubscribeCommand } = await import('@aws-sdk/client-sns');
      faultyTopic = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn as string;
      await sns.send(
        new SubscribeCommand({ TopicArn: faultyTopic, Protocol: 'sqs', Endpoint: 'q' }),
      );
    });

    afterAll(async () => {
      sns.destroy();
      await faulty.stop();
    });

    const faultyDeps = () => ({
      ...deps(sns),
      publisher: new SnsAlertPublisher(sns, faultyTopic, { maxAttempts: 4, baseDelayMs: 5 }),
    });

    it('retries throttled publishes and delivers each alert once', async () => {
      // Prepare
      faulty.setFaults(
        { throttle: { times: 2 }, batchEntryFailure: { entries: [0], times: 1 } },
        7,
      );
      const windows = series(`web-${run}-t`, 100, 80);
      // Act
      const res = await invoke(kinesisEventOf(windows), faultyDeps());
      // Assess
      expect(res.batchItemFailures).toEqual([]);
      expect(faulty.stats().throttled).toBe(2);
      expect(faulty.stats().failedEntries).toBe(1);
      const got = faulty
        .receive('q', { drain: true })
        .map((d) => JSON.parse(d.message).data.status);
      expect(got).toEqual(['open', 'recovered']);
    });

    it('reports a permanently failing publish as a batch item failure and loses nothing on redelivery', async () => {
      // Prepare
      faulty.setFaults({ throttle: { probability: 1 } }, 7);
      const windows = series(`web-${run}-p`, 100, 80);
      const event = kinesisEventOf(windows);
      const spikeSeq = event.Records[80]?.kinesis.sequenceNumber;
      // Act
      const failed = await invoke(event, faultyDeps());
      faulty.setFaults(undefined);
      const lowest = failed.batchItemFailures[0]?.itemIdentifier;
      const retry = {
        Records: event.Records.filter((r) => r.kinesis.sequenceNumber >= (lowest ?? '')),
      };
      const redelivered = await invoke(retry, { ...faultyDeps(), outboxLeaseMs: 0 });
      // Assess
      expect(lowest).toBe(spikeSeq);
      expect(failed.batchItemFailures).toHaveLength(20);
      expect(redelivered.batchItemFailures).toEqual([]);
      const got = faulty.receive('q', { drain: true }).map((d) => JSON.parse(d.message).data);
      expect(got.map((a) => a.status)).toEqual(['open', 'recovered']);
      expect(got[0].windowEventId).toBe(windows[80]?.id);
      expect((await itemOf(windows[0]?.data.series as string))?.points).toBe(100);
    });
  });

  it('subscription filter policies deliver only the matching alerts', async () => {
    // Prepare
    const sns = new SNSClient({ maxAttempts: 1, region: 'us-east-1' });
    const cpu = series(`web-${run}-f`, 100, 80);
    const errors = series(`svc-${run}-f`, 100, 80, 'log');
    // Act
    const res = await invoke(kinesisEventOf([...cpu, ...errors]), deps(sns));
    // Assess
    expect(res.batchItemFailures).toEqual([]);
    const all = [
      ...(await alertsIn(queueAll, cpu[0]?.data.series as string)),
      ...(await alertsIn(queueAll, errors[0]?.data.series as string)),
    ];
    const paged = [
      ...(await alertsIn(queueCritical, cpu[0]?.data.series as string)),
      ...(await alertsIn(queueCritical, errors[0]?.data.series as string)),
    ];
    expect(all.map((a) => `${a.data.metric}:${a.data.status}`).sort()).toEqual([
      'cpu.utilization:open',
      'cpu.utilization:recovered',
      'log.count:open',
      'log.count:recovered',
    ]);
    expect(paged.map((a) => `${a.data.metric}:${a.data.status}`)).toEqual(['log.count:open']);
    sns.destroy();
  });

  it('publishes through the stand-in with the SDK endpoint from the environment', async () => {
    // Prepare
    const sns = new SNSClient({ region: 'us-east-1' });
    // Act
    const out = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'ping' }));
    // Assess
    expect(out.MessageId).toMatch(/[0-9a-f-]{36}/);
    sns.destroy();
  });
});
