/**
 * Quick, self-contained measurement of the schema hot paths against their floors (the bench
 * package runs the full comparison): `npx tsx packages/schema/scripts/measure.ts`.
 * Prints the median of several rounds and the ratio to the floor measured in the same run.
 */
import { createRequire } from 'node:module';
import {
  aggregate,
  deaggregate,
  type KplUserRecord,
  normalizeEvent,
  parseInputEventJson,
  toNdjsonLine,
} from '../src/index.js';
import { appLog, telemetryReading } from '../src/testing/index.js';
import { EVENT_TYPES } from '../src/zod.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function time(fn: () => void, rounds = 15): number {
  for (let i = 0; i < 3; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return median(out);
}

/** Interleaves the implementations round by round, so load from other processes hits all alike. */
function compare(fns: Record<string, () => void>, rounds = 21): Record<string, number> {
  const names = Object.keys(fns);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < 3; i++) for (const n of names) (fns[n] as () => void)();
  for (let i = 0; i < rounds; i++) {
    for (const n of names) {
      const t = performance.now();
      (fns[n] as () => void)();
      (samples[n] as number[]).push(performance.now() - t);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(samples[n] as number[])]));
}

// ~1 MiB Firehose event: 80% telemetry, 20% logs, ~5% invalid.
let seed = 42;
const rand = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const records: string[] = [];
let total = 0;
for (let i = 0; total < 1_048_576; i++) {
  const r = rand();
  let text: string;
  if (r < 0.8) {
    text = JSON.stringify(
      telemetryReading({
        id: `evt-${i}-${'x'.repeat(Math.floor(rand() * 120))}`,
        data: {
          metric: 'cpu.utilization',
          value: rand() * 100,
          dimensions: { host: `web-${i % 50}`, region: 'eu-west-1', az: 'eu-west-1a' },
        },
      }),
    );
  } else {
    text = JSON.stringify(appLog({ data: { message: `GET /orders/${i} ${'y'.repeat(200)}` } }));
  }
  if (rand() < 0.05) text = text.replace('"value"', '"valu"').replace('"level"', '"lvl"');
  const b64 = Buffer.from(text).toString('base64');
  records.push(b64);
  total += text.length;
}

let sink = 0;
const fh = compare({
  floor: () => {
    for (const d of records) {
      const v = JSON.parse(Buffer.from(d, 'base64').toString('utf8'));
      sink += Buffer.from(`${JSON.stringify(v)}\n`).toString('base64').length;
    }
  },
  ours: () => {
    for (const d of records) {
      const r = parseInputEventJson(Buffer.from(d, 'base64'));
      if (r.ok)
        sink += Buffer.from(toNdjsonLine(normalizeEvent(r.value))).toString('base64').length;
      else sink += r.error.code.length;
    }
  },
  oursNoNormalize: () => {
    for (const d of records) {
      const r = parseInputEventJson(Buffer.from(d, 'base64'));
      if (r.ok) sink += Buffer.from(toNdjsonLine(r.value)).toString('base64').length;
      else sink += r.error.code.length;
    }
  },
  zodPer: () => {
    for (const d of records) {
      const v = JSON.parse(Buffer.from(d, 'base64').toString('utf8'));
      const s =
        v.type === 'app.log'
          ? EVENT_TYPES['app.log'].schema
          : EVENT_TYPES['telemetry.reading'].schema;
      const r = s.safeParse(v);
      if (r.success) sink += Buffer.from(`${JSON.stringify(r.data)}\n`).toString('base64').length;
    }
  },
});
const { floor = 0, ours = 0, oursNoNormalize = 0, zodPer = 0 } = fh;
console.log(`firehose ~1 MiB, ${records.length} records`);
console.log(`  floor                          ${floor.toFixed(2)} ms`);
console.log(
  `  parse+validate+normalize+ndjson ${ours.toFixed(2)} ms  ×${(ours / floor).toFixed(2)}`,
);
console.log(
  `  parse+validate+ndjson           ${oursNoNormalize.toFixed(2)} ms  ×${(oursNoNormalize / floor).toFixed(2)}`,
);
console.log(
  `  zod per record                  ${zodPer.toFixed(2)} ms  ×${(zodPer / floor).toFixed(2)}`,
);

// KPL: 100k user records in aggregated records of ≤ 1000 user records.
const users: KplUserRecord[] = Array.from({ length: 100_000 }, (_, i) => ({
  partitionKey: `device-${i % 2000}`,
  data: Buffer.from(`{"n":${i},"payload":"${'z'.repeat(40)}"}`),
}));
const chunks: KplUserRecord[][] = [];
for (let i = 0; i < users.length; i += 1000) chunks.push(users.slice(i, i + 1000));
const oracle = createRequire(import.meta.url)('aws-kinesis-agg') as {
  RecordAggregator: new () => {
    addUserRecord(r: { partitionKey: string; data: Buffer }): void;
    build(): { data: Buffer };
  };
  deaggregateSync(r: object, c: boolean, cb: (e: unknown, rs?: unknown[]) => void): void;
};
const aggOurs = time(() => {
  for (const c of chunks) sink += aggregate(c).length;
}, 9);
const aggTheirs = time(() => {
  for (const c of chunks) {
    const a = new oracle.RecordAggregator();
    for (const r of c) a.addUserRecord({ partitionKey: r.partitionKey, data: r.data as Buffer });
    sink += a.build().data.length;
  }
}, 5);
const built = chunks.map((c) => aggregate(c));
const deOurs = time(() => {
  for (const b of built) {
    const r = deaggregate(b);
    if (r.ok) sink += r.value.length;
  }
}, 9);
const b64 = built.map((b) => Buffer.from(b).toString('base64'));
const deTheirs = time(() => {
  for (const d of b64) {
    oracle.deaggregateSync({ partitionKey: 'p', data: d, sequenceNumber: '1' }, true, (_e, rs) => {
      sink += rs?.length ?? 0;
    });
  }
}, 5);
console.log('KPL 100k user records');
console.log(
  `  aggregate   ours ${aggOurs.toFixed(2)} ms, aws-kinesis-agg ${aggTheirs.toFixed(2)} ms (×${(aggTheirs / aggOurs).toFixed(2)} faster)`,
);
console.log(
  `  deaggregate ours ${deOurs.toFixed(2)} ms, aws-kinesis-agg ${deTheirs.toFixed(2)} ms (×${(deTheirs / deOurs).toFixed(2)} faster; theirs also base64-decodes)`,
);
console.log(`(sink ${sink})`);
