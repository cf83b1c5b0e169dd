// What storing records costs kinesalite with its bignumber.js sequence arithmetic and with the
// BigInt versions `pnpm start` installs (local-aws src/kinesis/fast-sequences.cjs): two
// kinesalite children side by side, the same PutRecords calls (500 records) sent to each in
// shuffled order every round; CPU seconds of each child per 1,000 records stored.
//
//   npx tsx packages/local-pipeline/scripts/measure-kinesalite-put.ts [--records 20000] [--rounds 5]
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { type LocalAws, startLocalAws } from '@streamlens/local-aws';
import { arg, cpuOf, recordBody } from './measure-common.js';

const RECORDS = arg('records', 20_000);
const ROUNDS = arg('rounds', 5);

const body = recordBody;

process.env.STREAMLENS_KINESIS_PROCESS = 'child';
const started: Record<string, LocalAws> = {};
const results: Record<string, number[]> = { bignumber: [], bigint: [] };
try {
  for (const variant of Object.keys(results)) {
    if (variant === 'bignumber') process.env.STREAMLENS_KINESALITE_SEQUENCES = 'bignumber';
    else delete process.env.STREAMLENS_KINESALITE_SEQUENCES;
    started[variant] = await startLocalAws({ services: ['kinesis'], quiet: true });
  }
  const batches = Array.from({ length: Math.ceil(RECORDS / 500) }, (_, b) =>
    Array.from({ length: Math.min(500, RECORDS - b * 500) }, (_, j) => ({
      PartitionKey: `device-${(b * 500 + j) % 97}`,
      Data: Buffer.from(body(b * 500 + j)),
    })),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of Object.keys(results).sort(() => Math.random() - 0.5)) {
      const aws = started[variant] as LocalAws;
      const pid = Number(aws.details.kinesis?.pid);
      const name = `put-${round}`;
      await aws.createResources({ streams: [{ name, shardCount: 2 }] });
      const kinesis = aws.clients().kinesis;
      const c0 = cpuOf(pid);
      for (const Records of batches) {
        const out = await kinesis.send(new PutRecordsCommand({ StreamName: name, Records }));
        if (out.FailedRecordCount) throw new Error(`${variant}: ${out.FailedRecordCount} failed`);
      }
      results[variant]?.push(((cpuOf(pid) - c0) * 1000) / RECORDS);
    }
  }
} finally {
  await Promise.all(Object.values(started).map((aws) => aws.stop()));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(
  `PutRecords of ${RECORDS} records (500 per call, 2 shards), ${ROUNDS} rounds: kinesalite CPU seconds per 1,000 records stored (median, min–max)`,
);
for (const [variant, xs] of Object.entries(results)) {
  console.log(
    `  ${variant}: ${median(xs).toFixed(4)} (${Math.min(...xs).toFixed(4)}–${Math.max(...xs).toFixed(4)})`,
  );
}
