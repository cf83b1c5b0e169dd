// Worker-thread entry of `feedInWorker` (bundled to CommonJS with esbuild, like the handlers):
// generates and sends the traffic, and posts the settled records to the harness in batches.
import { readFileSync, readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { clientOptions } from '@streamlens/local-aws';
import { ownThreadId, ownThreadTicks } from './cpu.js';
import {
  type FeedSink,
  type FeedWorkerData,
  type FeedWorkerMessage,
  produceTraffic,
} from './feed.js';
import { localJsonPutClient } from './feed-client.js';

/** Batches go out at least this often, so the ledger (and the lag tracker) follow closely. */
const FLUSH_MS = 100;
const FLUSH_RECORDS = 2_000;

async function run(port: NonNullable<typeof parentPort>, data: FeedWorkerData): Promise<void> {
  const controller = new AbortController();
  port.on('message', (message: { kind?: string }) => {
    if (message?.kind === 'stop') controller.abort();
  });
  let batch = {
    ids: [] as string[],
    types: [] as string[],
    times: [] as number[],
    sentAt: [] as number[],
    series: [] as string[],
    invalid: 0,
    rejected: 0,
    resent: 0,
  };
  const flush = () => {
    if (batch.ids.length + batch.invalid + batch.rejected + batch.resent === 0) return;
    const message: FeedWorkerMessage = { kind: 'settled', ...batch };
    port.postMessage(message);
    batch = {
      ids: [],
      types: [],
      times: [],
      sentAt: [],
      series: [],
      invalid: 0,
      rejected: 0,
      resent: 0,
    };
  };
  const sink: FeedSink = {
    valid(id, type, timeMs, sentAtMs, series) {
      batch.series.push(series);
      batch.ids.push(id);
      batch.types.push(type);
      batch.times.push(timeMs);
      batch.sentAt.push(sentAtMs);
      if (batch.ids.length >= FLUSH_RECORDS) flush();
    },
    invalid() {
      batch.invalid++;
    },
    rejected() {
      batch.rejected++;
    },
    resent() {
      batch.resent++;
    },
  };
  const timer = setInterval(flush, FLUSH_MS);
  const kinesis = new KinesisClient(clientOptions(data.env, 'kinesis'));
  const thread = ownThreadId(readlinkSync);
  port.postMessage({
    kind: 'started',
    ...(thread ? { thread } : {}),
  } satisfies FeedWorkerMessage);
  try {
    // PutRecords straight to the local stand-in's JSON API (no SDK serialisation or signing).
    const endpoint = data.env.AWS_ENDPOINT_URL_KINESIS;
    const client = endpoint
      ? localJsonPutClient(kinesis, endpoint, data.env.AWS_REGION ?? 'us-east-1')
      : kinesis;
    const truth = await produceTraffic(
      { ...data.settings, kinesis: client, signal: controller.signal },
      sink,
    );
    flush();
    const threadTicks = ownThreadTicks((path) => readFileSync(path, 'utf8'));
    port.postMessage({
      kind: 'done',
      truth,
      ...(threadTicks !== undefined ? { threadTicks } : {}),
    } satisfies FeedWorkerMessage);
  } catch (error) {
    flush();
    port.postMessage({
      kind: 'error',
      message: String((error as Error)?.message ?? error),
    } satisfies FeedWorkerMessage);
  } finally {
    clearInterval(timer);
    kinesis.destroy();
  }
}

if (parentPort) void run(parentPort, workerData as FeedWorkerData);
