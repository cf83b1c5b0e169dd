// What sending the feed costs the harness: the producer over the AWS SDK client, or over the raw
// JSON PutRecords client the feed worker uses (src/feed-client.ts), against one kinesalite child.
// CPU seconds of this process per 1,000 records, the two interleaved in shuffled order per round.
//
//   npx tsx packages/local-pipeline/scripts/measure-feed-put.ts [--records 10000] [--rounds 5]
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { clientOptions, startLocalAws } from '@streamlens/local-aws';
import { KinesisProducer, type KinesisSendClient } from '@streamlens/producer';
import { localJsonPutClient } from '../src/feed-client.js';
import { arg, recordBody } from './measure-common.js';

const RECORDS = arg('records', 10_000);
const ROUNDS = arg('rounds', 5);

process.env.STREAMLENS_KINESIS_PROCESS = 'child';
const aws = await startLocalAws({ services: ['kinesis'], quiet: true });
const sdk = new KinesisClient(clientOptions(aws.env, 'kinesis'));
const clients: Record<string, KinesisSendClient> = {
  'AWS SDK': sdk,
  'raw JSON': localJsonPutClient(sdk, aws.env.AWS_ENDPOINT_URL_KINESIS as string),
};
const body = (i: number) => Buffer.from(recordBody(i));
const results: Record<string, number[]> = { 'AWS SDK': [], 'raw JSON': [] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of Object.keys(results).sort(() => Math.random() - 0.5)) {
      const name = `feed-${round}-${variant.replace(' ', '-')}`;
      await aws.createResources({ streams: [{ name, shardCount: 2 }] });
      const records = Array.from({ length: RECORDS }, (_, i) => ({
        partitionKey: `device-${i % 97}`,
        data: body(i),
      }));
      const c0 = process.cpuUsage();
      const producer = new KinesisProducer({
        client: clients[variant] as KinesisSendClient,
        streamName: name,
      });
      await Promise.all(records.map((r) => producer.put(r)));
      await producer.close();
      const c = process.cpuUsage(c0);
      results[variant]?.push(((c.user + c.system) / 1e6) * (1000 / RECORDS));
    }
  }
} finally {
  sdk.destroy();
  await aws.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
console.log(
  `producer, ${RECORDS} records, ${ROUNDS} rounds: this process's CPU seconds per 1,000 records sent (median, min–max)`,
);
for (const [variant, xs] of Object.entries(results)) {
  console.log(
    `  ${variant}: ${median(xs).toFixed(4)} (${Math.min(...xs).toFixed(4)}–${Math.max(...xs).toFixed(4)})`,
  );
}
