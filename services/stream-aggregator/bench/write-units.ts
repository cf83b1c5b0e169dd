// DynamoDB capacity units per event of the aggregator's state, against DynamoDB Local: the engine
// and the DynamoDB store of a `src/` directory (this service's by default, or `--src DIR`, e.g.
// an older commit's exported with `git archive`), on `--shards` shards at once (one engine, store
// and decoder per shard, as Lambda runs them), `--rate` events/s over `--series` series keyed to
// one shard each, batches of `--batch` records, for `--minutes` of event time, then a flush of
// every window. Every DynamoDB call asks for ReturnConsumedCapacity TOTAL (a middleware on this
// script's client) and the units DynamoDB reports are summed: write units and read units per
// event, and per call type.
//
// `--window-table on` also writes the optional window table (WINDOW_TABLE=on) after each send.
//
//   npx tsx bench/write-units.ts [--src DIR] [--rate 1000] [--series 2000] [--shards 4]
//                                [--batch 1000] [--minutes 3] [--window-table on|off] [--json]
//
// Stand-ins: DynamoDB Local started by the script, or the one in AWS_ENDPOINT_URL_DYNAMODB.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createRng } from '@streamlens/bench';
import { clientConfig } from '@streamlens/lambda-kit';
import { itemSizeBytes } from '@streamlens/lambda-kit/dynamodb';
import { kinesisEvent, kinesisRecord } from '@streamlens/lambda-kit/testing';
import { connectLocalAws, startLocalAws } from '@streamlens/local-aws';

const { values: args } = parseArgs({
  options: {
    src: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    series: { type: 'string', default: '2000' },
    shards: { type: 'string', default: '4' },
    batch: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '3' },
    'window-table': { type: 'string', default: 'off' },
    json: { type: 'boolean', default: false },
  },
});
const dir = resolve(args.src ?? resolve(import.meta.dirname, '../src'));
const rate = Number(args.rate);
const seriesCount = Number(args.series);
const shardCount = Number(args.shards);
const batchSize = Number(args.batch);
const minutes = Number(args.minutes);

type Units = { read: number; write: number; calls: number };
/** Units by table (the window table is the output; the state table is the cost of exactly once). */
const byTable = new Map<string, { read: number; write: number }>();

/** A document client that asks every call for its consumed capacity and sums it by command. */
function meteredClient(totals: Map<string, Units>): DynamoDBDocumentClient {
  const base = new DynamoDBClient(clientConfig({ maxAttempts: 1 }));
  base.middlewareStack.add(
    (next, context) => async (input) => {
      const name = String(context.commandName ?? '?').replace(/Command$/, '');
      (input.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      const out = await next(input);
      const consumed = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
      const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Array<{
        ReadCapacityUnits?: number;
        WriteCapacityUnits?: number;
        CapacityUnits?: number;
      }>;
      const t = totals.get(name) ?? { read: 0, write: 0, calls: 0 };
      t.calls++;
      for (const c of list as Array<{ TableName?: string } & (typeof list)[number]>) {
        const bt = byTable.get(c.TableName ?? '?') ?? { read: 0, write: 0 };
        const isReadCall = /Get|Query|Scan/.test(name);
        bt.read += isReadCall ? (c.ReadCapacityUnits ?? c.CapacityUnits ?? 0) : 0;
        bt.write += isReadCall ? 0 : (c.WriteCapacityUnits ?? c.CapacityUnits ?? 0);
        byTable.set(c.TableName ?? '?', bt);
        const r = c.ReadCapacityUnits ?? 0;
        const w = c.WriteCapacityUnits ?? 0;
        // Some answers carry only CapacityUnits: attribute them by the kind of call.
        const only = r === 0 && w === 0 ? (c.CapacityUnits ?? 0) : 0;
        const isRead = /Get|Query|Scan/.test(name);
        t.read += r + (isRead ? only : 0);
        t.write += w + (isRead ? 0 : only);
      }
      // DynamoDB Local reports far fewer units for TransactWriteItems than AWS charges (a probe: 10
      // puts of 3 KB reported 12, AWS charges 2 per KB per item: 60): count those by AWS's rule
      // from the request instead.
      if (name === 'TransactWriteItems') {
        for (const c of list) t.write -= (c.WriteCapacityUnits ?? 0) || (c.CapacityUnits ?? 0);
        t.write += transactWriteUnits(input.input as TransactInput);
      }
      totals.set(name, t);
      return out;
    },
    { step: 'initialize', name: 'meterCapacity' },
  );
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}

type TransactInput = {
  TransactItems?: Array<{ Put?: { Item?: Record<string, unknown> } } & Record<string, unknown>>;
};

/**
 * AWS's rule for a transaction: 2 write units per KB (rounded up) of every item it writes. Puts are
 * sized from the request; an Update, Delete or ConditionCheck is counted as one small item.
 */
function transactWriteUnits(input: TransactInput): number {
  let units = 0;
  for (const action of input.TransactItems ?? []) {
    const item = action.Put?.Item;
    units += 2 * (item === undefined ? 1 : Math.max(1, Math.ceil(itemSizeBytes(item) / 1024)));
  }
  return units;
}

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const seqOf = (i: number) => (10n ** 20n + BigInt(i)).toString();

const started = process.env.AWS_ENDPOINT_URL_DYNAMODB
  ? undefined
  : await startLocalAws({ services: ['dynamodb'], quiet: true });
if (started) Object.assign(process.env, started.env);
const aws = started ?? connectLocalAws();
try {
  const engineMod = await import(`${dir}/domain/engine.js`);
  const storeMod = await import(`${dir}/adapters/dynamo-store.js`);
  const decodeMod = await import(`${dir}/decode/record-decoder.js`);
  const sourceMod = await import(`${dir}/sources/kinesis.js`);
  const configMod = await import(`${dir}/config.js`);
  const sinksMod = await import(`${dir}/adapters/sinks.js`);
  const tablesMod = await import(`${dir}/adapters/tables.js`);
  const suffix = Date.now().toString(36);
  const state = `wu-state-${suffix}`;
  const windows = `wu-windows-${suffix}`;
  await aws.createResources({ tables: tablesMod.tableDefinitions(state, windows) });
  Object.assign(process.env, {
    STATE_TABLE_NAME: state,
    WINDOW_TABLE: args['window-table'],
    WINDOW_TABLE_NAME: windows,
    AGGREGATES_STREAM_NAME: 'unused',
    LAKE_BUCKET_NAME: 'unused',
  });
  const config = configMod.loadConfig();
  const totals = new Map<string, Units>();
  const doc = meteredClient(totals);
  let emitted = 0;
  const shards = Array.from({ length: shardCount }, (_v, s) => `shardId-${suffix}-${s}`);
  const containers = shards.map(() => {
    const store = new storeMod.DynamoStateStore(doc, config);
    const sent = {
      async emit(events: readonly unknown[]) {
        emitted += events.length;
      },
    };
    // The handler's wiring: the window table (when on) is written after the send.
    const windowsSink = sinksMod.WindowTableSink ? new sinksMod.WindowTableSink(sent, store) : sent;
    return {
      decoder: new decodeMod.RecordDecoder(config),
      engine: new engineMod.Aggregator(config.engine, {
        store,
        windows: windowsSink,
        rejects: { async put() {} },
      }),
    };
  });
  // Each shard gets rate/shards events per second of event time, over its own series
  // (series i on shard i mod shards), in time order with up to 2 s of jitter.
  const perShard = rate / shardCount;
  const total = Math.round(rate * minutes * 60);
  const batchesPerShard = Math.ceil(total / shardCount / batchSize);
  // Seeded: the workload is the same on every run and for every variant.
  const rng = createRng(7);
  const rand = () => rng.next();
  let events = 0;
  let failures = 0;
  const t0 = performance.now();
  for (let b = 0; b < batchesPerShard; b++) {
    const batches = shards.map((shardId, s) => {
      const records = [];
      for (let i = 0; i < batchSize; i++) {
        const n = b * batchSize + i;
        const at = T0 + Math.floor((n * 1000) / perShard) - Math.floor(rand() * 2000);
        const series = s + shardCount * Math.floor(rand() * (seriesCount / shardCount));
        const event = {
          specversion: '1.0',
          id: `e-${s}-${n}`,
          source: 'bench/write-units',
          type: 'telemetry.reading',
          time: new Date(at).toISOString(),
          data: {
            metric: 'cpu.load',
            value: Math.round(rand() * 10_000) / 100,
            dimensions: { host: `h${series}` },
          },
        };
        records.push(kinesisRecord(shardId, seqOf(n), event, { partitionKey: `h${series}` }));
      }
      events += records.length;
      return kinesisEvent(records);
    });
    const outcomes = await Promise.all(
      batches.map((e, c) =>
        containers[c]!.engine.processBatch(
          new sourceMod.KinesisRecordSource(e, containers[c]!.decoder),
          Date.now() + 60_000,
        ),
      ),
    );
    for (const o of outcomes) failures += o.failures.length;
  }
  // Time passes: every window closes and is emitted.
  while ((await containers[0]!.engine.flush(Number.MAX_SAFE_INTEGER, Date.now() + 120_000)) > 0) {}
  const seconds = (performance.now() - t0) / 1000;
  doc.destroy();
  let read = 0;
  let write = 0;
  for (const t of totals.values()) {
    read += t.read;
    write += t.write;
  }
  const result = {
    src: dir,
    events,
    shards: shardCount,
    series: seriesCount,
    batch: batchSize,
    minutes,
    windowTable: args['window-table'],
    failures,
    windowsEmitted: emitted,
    writeUnits: write,
    readUnits: read,
    writeUnitsPerEvent: write / events,
    readUnitsPerEvent: read / events,
    seconds,
    calls: Object.fromEntries(totals),
    tables: Object.fromEntries(byTable),
  };
  if (args.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `${events} events, ${shardCount} shards, ${seriesCount} series, batch ${batchSize}, window table ${args['window-table']}, ` +
        `${minutes} min of event time: ${emitted} windows emitted, ${failures} failure reports, ${seconds.toFixed(1)} s`,
    );
    console.log(
      `write units ${write.toFixed(1)} (${(write / events).toFixed(4)} per event), ` +
        `read units ${read.toFixed(1)} (${(read / events).toFixed(4)} per event)`,
    );
    for (const [table, u] of byTable) {
      console.log(
        `table ${table}: write ${(u.write / events).toFixed(4)} per event, read ${(u.read / events).toFixed(4)} per event`,
      );
    }
    console.log('call                 calls   write units   read units');
    for (const [k, t] of [...totals].sort((a, b) => b[1].write - a[1].write)) {
      console.log(
        `${k.padEnd(20)} ${String(t.calls).padStart(5)} ${t.write.toFixed(1).padStart(13)} ${t.read.toFixed(1).padStart(12)}`,
      );
    }
  }
} finally {
  aws.close();
  await started?.stop();
}
