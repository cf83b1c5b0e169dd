// What reading the events stream costs for the four readers `pnpm start` puts on it (three
// mappings and Firehose): each on its own iterator, as before, or all on one SharedShardSource.
// CPU seconds of the kinesalite child and of this process per 1,000 records delivered to every
// reader, the two ways interleaved in shuffled order each round (CPU time moves far less with
// the machine's load than wall time).
//
//   npx tsx packages/local-pipeline/scripts/measure-readers.ts [--records 20000] [--rounds 5]
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { startLocalAws } from '@streamlens/local-aws';
import { localJsonShardReader } from '../src/esm/reader.js';
import {
  iteratorShardSource,
  type ShardCursor,
  type ShardSource,
  SharedShardSource,
} from '../src/esm/source.js';
import { arg, cpuOf, recordBody, selfCpu } from './measure-common.js';

const RECORDS = arg('records', 20_000);
const ROUNDS = arg('rounds', 5);
const READERS = arg('readers', 4);
const SHARDS = 2;

const body = recordBody;

async function readToEnd(cursor: ShardCursor): Promise<number> {
  let n = 0;
  for (;;) {
    const page = await cursor.read(10_000);
    n += page.records.length;
    if (page.records.length === 0 && page.millisBehindLatest === 0) return n;
  }
}

process.env.STREAMLENS_KINESIS_PROCESS = 'child';
const aws = await startLocalAws({ services: ['kinesis'], quiet: true });
const pid = Number(aws.details.kinesis?.pid);
const kinesis = aws.clients().kinesis;
const reader = localJsonShardReader(aws.endpoints.kinesis as string);
const results: Record<string, { kinesalite: number[]; harness: number[] }> = {
  'own iterators': { kinesalite: [], harness: [] },
  shared: { kinesalite: [], harness: [] },
};
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = Object.keys(results).sort(() => Math.random() - 0.5);
    for (const variant of order) {
      const name = `measure-${round}-${variant.replace(' ', '-')}`;
      await aws.createResources({ streams: [{ name, shardCount: SHARDS }] });
      for (let i = 0; i < RECORDS; i += 500) {
        await kinesis.send(
          new PutRecordsCommand({
            StreamName: name,
            Records: Array.from({ length: Math.min(500, RECORDS - i) }, (_, j) => ({
              PartitionKey: `device-${(i + j) % 97}`,
              Data: Buffer.from(body(i + j)),
            })),
          }),
        );
      }
      const source: ShardSource =
        variant === 'shared'
          ? new SharedShardSource({ kinesis, reader })
          : iteratorShardSource(kinesis, reader);
      const k0 = cpuOf(pid);
      const h0 = selfCpu();
      const delivered = await Promise.all(
        Array.from({ length: READERS }, async () => {
          let n = 0;
          for (let s = 0; s < SHARDS; s++) {
            const shardId = `shardId-${String(s).padStart(12, '0')}`;
            const cursor = await source.open(name, shardId, { type: 'TRIM_HORIZON' });
            n += await readToEnd(cursor);
            cursor.close();
          }
          return n;
        }),
      );
      const k = cpuOf(pid) - k0;
      const h = selfCpu() - h0;
      for (const n of delivered) {
        if (n !== RECORDS) throw new Error(`${variant}: a reader got ${n} of ${RECORDS} records`);
      }
      const per1000 = 1000 / RECORDS;
      results[variant]?.kinesalite.push(k * per1000);
      results[variant]?.harness.push(h * per1000);
    }
  }
} finally {
  await aws.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(
  `${READERS} readers × ${RECORDS} records on ${SHARDS} shards, ${ROUNDS} rounds: CPU seconds per 1,000 records read by every reader (median, min–max)`,
);
for (const [variant, r] of Object.entries(results)) {
  const fmt = (xs: number[]) =>
    `${median(xs).toFixed(4)} (${Math.min(...xs).toFixed(4)}–${Math.max(...xs).toFixed(4)})`;
  console.log(`  ${variant}: kinesalite ${fmt(r.kinesalite)}, this process ${fmt(r.harness)}`);
}
