/**
 * Cold-start cost of the toolkit: bundles tiny handlers the way config/serverless-common.yml does
 * (esbuild, CJS, minified, node20), then times fresh `node` processes that load each bundle,
 * against an empty file. Run: `npx tsx packages/lambda-kit/bench/cold-start.ts [runs]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const runs = Number(process.argv[2] ?? 20);

const CORE_KINESIS = `
import { createObservability, envInt, lambdaHandler } from '../src/index.js';
import { processKinesisBatch } from '../src/kinesis/index.js';
const { logger, metrics } = createObservability('cold-start');
const limit = envInt('LIMIT', 10);
export const handler = lambdaHandler(
  (event) => processKinesisBatch(event, (r) => { if (r.data.length > limit) logger.debug('big'); }, { logger, metrics }),
  { logger, metrics },
);`;

const fixtures: Record<string, string> = {
  empty: '',
  'core + kinesis (consumer)': CORE_KINESIS,
  'core + kinesis + tracer': `${CORE_KINESIS}
import { createTracer } from '../src/tracer.js';
export const { tracer } = createTracer('cold-start');`,
  'core + kinesis + PutRecords client': `${CORE_KINESIS}
import { createKinesisClient, putRecordsReliably } from '../src/kinesis/index.js';
const kinesis = createKinesisClient();
export const put = (e) => putRecordsReliably(kinesis, 'out', e);`,
  'core + dynamodb + sns clients': `${CORE_KINESIS}
import { createDocumentClient, batchWriteReliably } from '../src/dynamodb.js';
import { createSnsClient, publishBatchReliably } from '../src/sns.js';
const doc = createDocumentClient(); const sns = createSnsClient();
export const w = (r) => batchWriteReliably(doc, 't', r);
export const p = (e) => publishBatchReliably(sns, 'arn', e);`,
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const dir = mkdtempSync(join(tmpdir(), 'lambda-kit-cold-'));
try {
  // Build every bundle first, then spawn them round-robin so that load from other processes on
  // the machine hits every variant alike.
  const bundles: { name: string; outfile: string; times: number[]; cpu: number[] }[] = [];
  for (const [name, source] of Object.entries(fixtures)) {
    const outfile = join(dir, `${bundles.length}.cjs`);
    if (source === '') writeFileSync(outfile, '');
    else
      await build({
        stdin: { contents: source, resolveDir: here, loader: 'ts', sourcefile: 'handler.ts' },
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        outfile,
        logLevel: 'error',
        ...(process.env.COLD_START_ESM ? { mainFields: ['module', 'main'] } : {}),
      });
    bundles.push({ name, outfile, times: [], cpu: [] });
  }
  for (let i = 0; i < runs; i++) {
    for (const b of bundles) {
      const start = process.hrtime.bigint();
      const out = spawnSync(
        process.execPath,
        [
          '-e',
          // CPU time of the whole process (startup included): far less sensitive than wall time to
          // other processes competing for the 2 cores.
          `require(${JSON.stringify(b.outfile)});const u=process.cpuUsage();process.stdout.write(String((u.user+u.system)/1000))`,
        ],
        {
          env: {
            ...process.env,
            AWS_REGION: 'us-east-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
      );
      if (out.status !== 0) throw new Error(`${b.name}: ${out.stderr.toString()}`);
      b.times.push(Number(process.hrtime.bigint() - start) / 1e6);
      b.cpu.push(Number(out.stdout.toString()));
    }
  }
  const results = bundles.map((b) => ({
    name: b.name,
    kib: statSync(b.outfile).size / 1024,
    ms: median(b.times),
    min: Math.min(...b.times),
    max: Math.max(...b.times),
    cpu: median(b.cpu),
  }));
  const base = results[0]!.ms;
  const baseCpu = results[0]!.cpu;
  console.log(
    `cold start, ${runs} spawns each, round-robin (wall median, min–max; process CPU median), node ${process.version}`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(36)} ${r.kib.toFixed(1).padStart(7)} KiB  ${r.ms.toFixed(1).padStart(6)} ms (${r.min.toFixed(0)}–${r.max.toFixed(0)})  +${(r.ms - base).toFixed(1)} ms wall;  cpu ${r.cpu.toFixed(1)} ms +${(r.cpu - baseCpu).toFixed(1)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
