// Runs `serverless invoke local` for every sample event (or the ones named) against local stand-ins
// (kinesalite, DynamoDB Local, s3rver) that this script starts and stops:
//   npx tsx scripts/invoke-local.ts [events/valid-batch.json ...]
// It creates the resources serverless.yml names for stage `dev`, then prints each response and
// what landed in the window table, the aggregates stream and the lake bucket.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalAws } from '@streamlens/local-aws';
import { tableDefinitions } from '../src/adapters/tables.js';

const root = join(import.meta.dirname, '..');
const stage = 'dev';
const names = {
  state: `streamlens-${stage}-aggregator-state`,
  windows: `streamlens-${stage}-windows`,
  stream: `streamlens-${stage}-aggregates`,
  bucket: `streamlens-${stage}-lake`,
};
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(join(root, 'events'))
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => `events/${f}`);

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const aws = await startLocalAws({ services: ['kinesis', 'dynamodb', 's3'] });
let failed = 0;
try {
  await aws.createResources({
    streams: [{ name: names.stream, shardCount: 1 }],
    tables: tableDefinitions(names.state, names.windows),
    buckets: [names.bucket],
  });
  const env = {
    ...process.env,
    ...aws.env,
    SLS_TELEMETRY_DISABLED: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  console.log('stand-in env:', JSON.stringify(aws.env));
  for (const file of files) {
    // Asynchronous on purpose: kinesalite runs in this process and must keep answering.
    const res = await run(
      'npx',
      [
        'serverless',
        'invoke',
        'local',
        '-f',
        'aggregate',
        '-p',
        file,
        '--stage',
        stage,
        // The stand-ins' names, in place of the resources stack's exports (unreachable offline).
        '--param',
        `lakeBucketName=${names.bucket}`,
        '--param',
        `aggregatesStreamName=${names.stream}`,
      ],
      env,
    );
    const out = `${res.stdout}`.trim().split('\n');
    const response = out.filter((l) => !l.startsWith('{"level"')).join('\n');
    const errors = out.filter((l) => l.includes('"level":"ERROR"'));
    console.log(`\n== ${file}: exit ${res.status}\n${response}`);
    if (errors.length > 0) console.log(errors.join('\n'));
    if (res.status !== 0) {
      failed++;
      console.log(res.stderr);
    }
  }
  const windows = await aws.scanTable(names.windows);
  console.log(`\nwindow table: ${windows.length} windows`);
  for (const w of windows) {
    console.log(
      `  ${w.series?.S} ${w.windowStart?.S} r${w.revision?.N} count=${w.count?.N} sum=${w.sum?.N} p99=${w.p99?.N}`,
    );
  }
  console.log(`aggregates stream: ${(await aws.readStream(names.stream)).length} records`);
  for (const key of await aws.listObjectKeys(names.bucket))
    console.log(`  s3://${names.bucket}/${key}`);
} finally {
  await aws.stop();
}
process.exit(failed > 0 ? 1 : 0);
