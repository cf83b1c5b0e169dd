// DynamoDB Local's own throughput with different JVM flag sets: for each set, start a fresh
// DynamoDB Local, time its start (spawn → first ListTables answer), warm it up, then run a
// BatchWriteItem loop and a TransactWriteItems loop (each `--seconds` long, `--concurrency`
// requests in flight) and print items/s. Sets run in turn, then again in reverse order
// (`--passes 2`), so that both see similar machine load.
//
//   npx tsx packages/local-aws/scripts/measure-dynamodb-jvm.ts [--seconds 30] [--warm 15]
//        [--concurrency 4] [--passes 2] [--sets fast-start,throughput,...]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  TransactWriteItemsCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DYNAMODB_JVM_FLAGS, findJava, spawnDynamoDbLocal } from '../src/dynamodb/index.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    warm: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '4' },
    passes: { type: 'string', default: '2' },
    sets: { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const warm = Number(args.warm);
const concurrency = Number(args.concurrency);

const SETS: Record<string, readonly string[]> = {
  ...DYNAMODB_JVM_FLAGS,
  'tiered-serial': ['-XX:+UseSerialGC', '-XX:-UsePerfData', '-Xss1m'],
  'jvm-default': [],
};
const names = args.sets ? args.sets.split(',') : Object.keys(SETS);

const payload = 'x'.repeat(300);
let counter = 0;

function client(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000 }),
  });
}

/** Runs `op` with `concurrency` loops for `ms`; returns items written per second. */
async function loop(ms: number, op: () => Promise<number>): Promise<number> {
  const end = performance.now() + ms;
  const started = performance.now();
  let items = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) items += await op();
    }),
  );
  return items / ((performance.now() - started) / 1000);
}

async function measure(name: string): Promise<Record<string, number>> {
  const java = findJava();
  if (!java) throw new Error('no java');
  const t0 = performance.now();
  const dd = await spawnDynamoDbLocal(java, SETS[name]!, mkdtempSync(join(tmpdir(), 'ddb-jvm-')));
  const startMs = performance.now() - t0;
  const c = client(dd.endpoint);
  try {
    await c.send(new ListTablesCommand({}));
    await c.send(
      new CreateTableCommand({
        TableName: 'jvm-bench',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    const batchWrite = async (): Promise<number> => {
      const reqs: WriteRequest[] = [];
      for (let i = 0; i < 25; i++) {
        const n = counter++;
        reqs.push({
          PutRequest: {
            Item: { pk: { S: `p${n % 500}` }, sk: { S: `s${n}` }, d: { S: payload } },
          },
        });
      }
      await c.send(new BatchWriteItemCommand({ RequestItems: { 'jvm-bench': reqs } }));
      return 25;
    };
    // Like the aggregator's commits: 49 conditional puts of distinct items per transaction.
    const transact = async (): Promise<number> => {
      const items = [];
      for (let i = 0; i < 49; i++) {
        const n = counter++;
        items.push({
          Put: {
            TableName: 'jvm-bench',
            Item: { pk: { S: `q${n}` }, sk: { S: '-' }, v: { N: '1' }, d: { S: payload } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        });
      }
      await c.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return 49;
    };
    await loop(warm * 500, batchWrite);
    await loop(warm * 500, transact);
    const batch = await loop(seconds * 1000, batchWrite);
    const tx = await loop(seconds * 1000, transact);
    return { startMs, batch, tx };
  } finally {
    c.destroy();
    await dd.stop();
  }
}

const results: Record<string, Array<Record<string, number>>> = {};
for (let pass = 0; pass < Number(args.passes); pass++) {
  for (const name of pass % 2 === 0 ? names : [...names].reverse()) {
    const r = await measure(name);
    const list = results[name] ?? [];
    list.push(r);
    results[name] = list;
    console.log(
      `pass ${pass + 1} ${name.padEnd(14)} start ${r.startMs!.toFixed(0)} ms, BatchWriteItem ${r.batch!.toFixed(0)} items/s, TransactWriteItems ${r.tx!.toFixed(0)} items/s`,
    );
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
console.log(
  '\nset             start ms  BatchWriteItem items/s  TransactWriteItems items/s (medians)',
);
for (const name of names) {
  const rs = results[name] ?? [];
  console.log(
    `${name.padEnd(15)} ${median(rs.map((r) => r.startMs!))
      .toFixed(0)
      .padStart(8)}  ${median(rs.map((r) => r.batch!))
      .toFixed(0)
      .padStart(22)}  ${median(rs.map((r) => r.tx!))
      .toFixed(0)
      .padStart(26)}`,
  );
}
console.log('\nset             flags');
for (const name of names) console.log(`${name.padEnd(15)} ${SETS[name]!.join(' ') || '(none)'}`);
