// Where an invocation's time goes against DynamoDB Local: the engine + DynamoDB store on two shards
// at once with realistic batches (1,000 records over 100 series, as the two-shard integration test
// and the local pipeline feed), DynamoDB calls counted and timed by type through a middleware on
// the client (this script only; production code has none). Window events go to a null sink, so
// only the state store's I/O is measured.
//
//   npx tsx scripts/measure-store.ts [--rounds 3] [--batches 6] [--size 1000] [--series 100]
//                                    [--compare /path/to/other/src]
//
// `--compare DIR` loads a second copy of `src/` (e.g. the previous commit's, exported with
// `git archive`) and runs the two alternately, each round on fresh tables, so that both see the
// same machine load. Stand-ins: DynamoDB Local started by the script, or the one named by
// AWS_ENDPOINT_URL_DYNAMODB if set.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientConfig } from '@streamlens/lambda-kit';
import { connectLocalAws, type LocalAwsConnection, startLocalAws } from '@streamlens/local-aws';
import { tableDefinitions } from '../src/adapters/tables.js';
import { kinesisEvent, kinesisRecord, telemetry } from '../tests/helpers/kinesis-events.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    batches: { type: 'string', default: '6' },
    size: { type: 'string', default: '1000' },
    series: { type: 'string', default: '100' },
    compare: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const batches = Number(args.batches);
const size = Number(args.size);
const seriesCount = Number(args.series);

type Calls = Map<string, { n: number; ms: number }>;

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const seq = (i: number) => (10n ** 20n + BigInt(i)).toString();

/** Batch b of a shard: `size` records over `seriesCount` series, event time +30 s per batch. */
function batch(shard: string, b: number) {
  const records = [];
  for (let i = 0; i < size; i++) {
    const n = b * size + i;
    const at = T0 + b * 30_000 + Math.floor((i * 30_000) / size);
    records.push(
      kinesisRecord(
        shard,
        seq(n),
        telemetry(`${shard}-${n}`, 'two.metric', i % 97, iso(at), {
          host: `h${i % seriesCount}`,
        }),
        `k${i % seriesCount}`,
      ),
    );
  }
  return kinesisEvent(records);
}

/** A document client whose every call is counted and timed by command into `calls`. */
function instrumentedClient(calls: { current: Calls }): DynamoDBDocumentClient {
  const base = new DynamoDBClient(clientConfig({ maxAttempts: 1 }));
  base.middlewareStack.add(
    (next, context) => async (input) => {
      const started = performance.now();
      try {
        return await next(input);
      } finally {
        const name = String(context.commandName ?? '?').replace(/Command$/, '');
        const c = calls.current.get(name) ?? { n: 0, ms: 0 };
        c.n++;
        c.ms += performance.now() - started;
        calls.current.set(name, c);
      }
    },
    { step: 'initialize', name: 'measureCalls' },
  );
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}

type Variant = { label: string; dir: string; totals: Calls; busyMs: number; invocations: number };

async function runOnce(aws: LocalAwsConnection, v: Variant, round: number): Promise<void> {
  const engineMod = await import(`${v.dir}/domain/engine.js`);
  const storeMod = await import(`${v.dir}/adapters/dynamo-store.js`);
  const decodeMod = await import(`${v.dir}/decode.js`);
  const configMod = await import(`${v.dir}/config.js`);
  const suffix = `${v.label}-${round}-${Date.now().toString(36)}`;
  const state = `ms-state-${suffix}`;
  const windows = `ms-windows-${suffix}`;
  await aws.createResources({ tables: tableDefinitions(state, windows) });
  Object.assign(process.env, {
    STATE_TABLE_NAME: state,
    WINDOW_TABLE_NAME: windows,
    AGGREGATES_STREAM_NAME: 'unused',
    LAKE_BUCKET_NAME: 'unused',
  });
  const config = configMod.loadConfig();
  const calls = { current: new Map() as Calls };
  const doc = instrumentedClient(calls);
  let emitted = 0;
  // One engine, store and decoder per shard: two containers, as Lambda runs them.
  const containers = [0, 1].map(() => {
    const decoder = new decodeMod.RecordDecoder(config);
    const engine = new engineMod.Aggregator(config.engine, {
      store: new storeMod.DynamoStateStore(doc, {
        ...config,
        deadline: () => Date.now() + 60_000,
      }),
      windows: {
        async emit(events: readonly unknown[]) {
          emitted += events.length;
        },
      },
      rejects: { async put() {} },
    });
    return { decoder, engine };
  });
  // Shard ids unique per run: DynamoDB Local remembers transaction tokens across tables.
  const shards = [`shardId-${suffix}-0`, `shardId-${suffix}-1`];
  let failures = 0;
  let applied = 0;
  const perInvocation: Calls = new Map();
  for (let b = 0; b < batches; b++) {
    const events = shards.map((s) => batch(s, b));
    calls.current = new Map();
    const started = performance.now();
    const outcomes = await Promise.all(
      events.map((e, c) =>
        containers[c]!.engine.processBatch(
          new decodeMod.KinesisRecordSource(e, containers[c]!.decoder),
          Date.now() + 60_000,
        ),
      ),
    );
    v.busyMs += performance.now() - started;
    v.invocations += shards.length;
    for (const o of outcomes) {
      failures += o.failures.length;
      for (const f of o.failures)
        console.log(
          `  failure ${f.shardId} ${f.seq}: ${String(f.error)} ${String((f.error as Error)?.cause ?? '')}`,
        );
      applied += o.applied;
    }
    for (const [k, c] of calls.current) {
      const t = v.totals.get(k) ?? { n: 0, ms: 0 };
      t.n += c.n;
      t.ms += c.ms;
      v.totals.set(k, t);
      const p = perInvocation.get(k) ?? { n: 0, ms: 0 };
      p.n += c.n;
      p.ms += c.ms;
      perInvocation.set(k, p);
    }
  }
  doc.destroy();
  console.log(
    `[${v.label} round ${round}] applied ${applied}/${batches * size * shards.length}, ` +
      `failure reports ${failures}, windows emitted ${emitted}`,
  );
}

function report(v: Variant): void {
  const records = (v.invocations * size) / (v.busyMs / 1000) / 2;
  console.log(
    `\n== ${v.label} (${v.dir}): ${v.invocations} invocations, ${(v.busyMs / 1000).toFixed(1)} s busy, ` +
      `${records.toFixed(0)} records/s per invocation (2 concurrent)`,
  );
  console.log('call                 per invocation   ms per call   ms per invocation (summed)');
  let totalMs = 0;
  for (const [k, c] of [...v.totals].sort((a, b) => b[1].ms - a[1].ms)) {
    totalMs += c.ms;
    console.log(
      `${k.padEnd(20)} ${(c.n / v.invocations).toFixed(1).padStart(14)} ${(c.ms / c.n).toFixed(1).padStart(13)} ${(c.ms / v.invocations).toFixed(0).padStart(14)}`,
    );
  }
  console.log(
    `${'all'.padEnd(20)} ${'-'.padStart(14)} ${'-'.padStart(13)} ${(totalMs / v.invocations).toFixed(0).padStart(14)}` +
      `   (invocation wall ≈ ${((v.busyMs / v.invocations) * 2).toFixed(0)} ms / 2 concurrent)`,
  );
}

const started = process.env.AWS_ENDPOINT_URL_DYNAMODB
  ? undefined
  : await startLocalAws({ services: ['dynamodb'], quiet: true });
if (started) Object.assign(process.env, started.env);
const aws = started ?? connectLocalAws();
try {
  const variants: Variant[] = [
    {
      label: 'this',
      dir: resolve(import.meta.dirname, '../src'),
      totals: new Map(),
      busyMs: 0,
      invocations: 0,
    },
  ];
  if (args.compare) {
    variants.unshift({
      label: 'other',
      dir: resolve(args.compare),
      totals: new Map(),
      busyMs: 0,
      invocations: 0,
    });
  }
  // Warm-up (JIT of both the JVM and node), not counted.
  for (const v of variants) {
    const w = {
      ...v,
      totals: new Map() as Calls,
      busyMs: 0,
      invocations: 0,
      label: `${v.label}-warm`,
    };
    await runOnce(aws, w, 0);
  }
  for (let r = 1; r <= rounds; r++) {
    for (const v of r % 2 === 1 ? variants : [...variants].reverse()) await runOnce(aws, v, r);
  }
  for (const v of variants) report(v);
} finally {
  aws.close();
  await started?.stop();
}
