// DynamoDB capacity units per scored window of anomaly-alerts, against DynamoDB Local: `--series`
// telemetry series (every feature distinct), `--minutes` minute windows each, one batch per
// minute through `processWindowBatch` and the DynamoDB series store, as the Lambda runs them.
// Every call asks for ReturnConsumedCapacity TOTAL (a middleware on this script's client) and the
// units DynamoDB reports are summed: over the whole run and over the last hour (every series past
// its first hour, the steady state).
//
//   npx tsx bench/write-units.ts [--series 200] [--minutes 180] [--json]
//
// Stand-ins: DynamoDB Local started by the script, or the one in AWS_ENDPOINT_URL_DYNAMODB.
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientConfig } from '@streamlens/lambda-kit';
import { connectLocalAws, startLocalAws } from '@streamlens/local-aws';
import type { MetricsWindow } from '@streamlens/schema';
import { DEFAULT_ALERTING_CONFIG } from '../src/alerting/episode.js';
import { processWindowBatch } from '../src/batch.js';
import { DEFAULT_DETECTOR_CONFIG } from '../src/detector/index.js';
import { DynamoSeriesStore } from '../src/store.js';
import { kinesisEventOf, windowAt } from '../tests/helpers/windows.js';

const { values: args } = parseArgs({
  options: {
    series: { type: 'string', default: '200' },
    minutes: { type: 'string', default: '180' },
    json: { type: 'boolean', default: false },
  },
});
const seriesCount = Number(args.series);
const minutes = Number(args.minutes);

const started = process.env.AWS_ENDPOINT_URL_DYNAMODB
  ? undefined
  : await startLocalAws({ services: ['dynamodb'], quiet: true });
if (started) Object.assign(process.env, started.env);
const units = { read: 0, write: 0, windows: 0 };
const base = new DynamoDBClient(clientConfig({ maxAttempts: 3 }));
base.middlewareStack.add(
  (next, context) => async (input) => {
    const isRead = /Get|Query|Scan/.test(String(context.commandName));
    (input.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
    const out = await next(input);
    const consumed = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
    for (const c of (
      [] as Array<{
        ReadCapacityUnits?: number;
        WriteCapacityUnits?: number;
        CapacityUnits?: number;
      }>
    ).concat((consumed ?? []) as never)) {
      if (isRead) units.read += c.ReadCapacityUnits ?? c.CapacityUnits ?? 0;
      else units.write += c.WriteCapacityUnits ?? c.CapacityUnits ?? 0;
    }
    return out;
  },
  { step: 'initialize', name: 'meterCapacity' },
);
const doc = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });

const aws = started ?? connectLocalAws();
const table = `anomaly-bench-${Date.now()}`;
await aws.createResources({
  tables: [
    {
      TableName: table,
      KeySchema: [{ AttributeName: 'series', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'series', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
  ],
});

/** Minute `i` of series `s`: a noisy level per series, every feature distinct, a spike now and then. */
function windowOf(s: number, i: number): MetricsWindow {
  const noise = (k: number) => (((s * 31 + i) * 7919 + k * 104_729) % 1000) / 997;
  const value =
    40 + (s % 17) + 5 * Math.sin(i / 37 + s) + 3 * noise(0) + (i % 211 === s % 211 ? 300 : 0);
  const w = windowAt(i, value, {
    dimensions: {
      host: `web-${String(s).padStart(3, '0')}`,
      region: 'eu-west-1',
      service: 'checkout',
    },
  });
  const count = 20 + Math.round(20 * noise(1));
  return {
    ...w,
    data: {
      ...w.data,
      count,
      sum: value * count,
      p50: value - 1.5 + noise(2),
      p90: value + 4.2 + noise(3),
      p99: value + 9.7 + 2 * noise(4),
      min: value - 12.3 + noise(5),
      max: value + 15.1 + 3 * noise(6),
    },
  };
}

const deps = {
  store: new DynamoSeriesStore(doc, table),
  publisher: { publish: async () => ({ failed: [] }) },
  detector: DEFAULT_DETECTOR_CONFIG,
  alerting: DEFAULT_ALERTING_CONFIG,
  maxConflictRetries: 5,
  outboxLeaseMs: 5_000,
};
let lastHour = { read: 0, write: 0, windows: 0 };
for (let i = 0; i < minutes; i++) {
  if (i === minutes - 60) lastHour = { ...units };
  const windows = Array.from({ length: seriesCount }, (_, s) => windowOf(s, i));
  const res = await processWindowBatch(kinesisEventOf(windows, 1000 + i * seriesCount), deps);
  if (res.batchItemFailures.length > 0)
    throw new Error(`minute ${i}: ${res.batchItemFailures.length} failures`);
  units.windows += windows.length;
}
const steady = {
  read: units.read - lastHour.read,
  write: units.write - lastHour.write,
  windows: units.windows - lastHour.windows,
};
const result = {
  series: seriesCount,
  minutes,
  windows: units.windows,
  writeUnitsPerWindow: units.write / units.windows,
  readUnitsPerWindow: units.read / units.windows,
  lastHour: {
    windows: steady.windows,
    writeUnitsPerWindow: steady.write / steady.windows,
    readUnitsPerWindow: steady.read / steady.windows,
  },
};
if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else {
  process.stdout.write(
    `${units.windows} windows (${seriesCount} series × ${minutes} min): ${result.writeUnitsPerWindow.toFixed(3)} write / ${result.readUnitsPerWindow.toFixed(3)} read units per window; last hour ${result.lastHour.writeUnitsPerWindow.toFixed(3)} / ${result.lastHour.readUnitsPerWindow.toFixed(3)}\n`,
  );
}
doc.destroy();
aws.close();
await started?.stop();
