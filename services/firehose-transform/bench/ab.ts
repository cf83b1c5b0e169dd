/**
 * Paired A/B of two versions of the transform with the floor, interleaved in one process, CPU and
 * wall time (on a loaded machine only ratios of the same process mean anything). Put the older
 * sources inside the service so that they resolve the workspace packages, then run:
 *
 *   mkdir -p services/firehose-transform/.ab-old
 *   git archive <commit> services/firehose-transform/src | tar -x --strip-components=2 -C services/firehose-transform/.ab-old
 *   node --expose-gc --import tsx services/firehose-transform/bench/ab.ts services/firehose-transform/.ab-old/src 30 [workload...]
 *   rm -r services/firehose-transform/.ab-old
 *
 * `NEW_SRC=<dir>` measures another copy as "new" (an A/A run with two copies of the same sources
 * should print new/old 1.00). `GUARD=1` keeps the 6 MB response limit on firehose-6mib (else lifted, as `pnpm bench` does).
 * Prints per workload the median of the per-round ratios old/floor, new/floor and new/old.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { floorFirehoseTransform, medianRatio, pairedRounds, workloads } from '@streamlens/bench';
import { DEFAULT_CONFIG } from '../src/config.js';
import type { LoggerLike, processFirehoseEvent } from '../src/processor.js';
import type { RecordTransformer } from '../src/transform.js';

type Process = typeof processFirehoseEvent;
interface Version {
  processFirehoseEvent: Process;
  RecordTransformer: typeof RecordTransformer;
}
/** Both versions are loaded the same way (a statically imported copy measured 0.7-0.8x of an
 * identical dynamically imported one: an A/A run must give 1.0 before an A/B means anything). */
async function load(dir: string): Promise<Version> {
  const abs = resolve(dir);
  const p = (await import(pathToFileURL(`${abs}/processor.ts`).href)) as {
    processFirehoseEvent: Process;
  };
  const t = (await import(pathToFileURL(`${abs}/transform.ts`).href)) as {
    RecordTransformer: typeof RecordTransformer;
  };
  return { processFirehoseEvent: p.processFirehoseEvent, RecordTransformer: t.RecordTransformer };
}
const oldVersion = await load(process.argv[2] ?? 'services/firehose-transform/.ab-old/src');
const newVersion = await load(process.env.NEW_SRC ?? 'services/firehose-transform/src');

const quiet: LoggerLike = { info: () => {}, warn: () => {}, error: () => {} };
const noReingest = async () => [];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const rounds = Number(process.argv[3] ?? 20);
const names = process.argv.slice(4);
const selected = (names.length > 0 ? names : ['firehose-1mib', 'firehose-6mib']) as Array<
  'firehose-1mib' | 'firehose-6mib'
>;

for (const name of selected) {
  const data = workloads[name].data();
  const guard = process.env.GUARD !== undefined || name !== 'firehose-6mib';
  const config = {
    ...DEFAULT_CONFIG,
    maxEventBytes: data.maxRecordBytes,
    responseLimitBytes: guard ? 6_000_000 : Number.MAX_SAFE_INTEGER,
  };
  const transformer = new newVersion.RecordTransformer(config);
  const older = new oldVersion.RecordTransformer(config);
  const deps = { config, reingest: noReingest, logger: quiet };
  const impls: Record<string, () => unknown> = {
    floor: () => floorFirehoseTransform(data.event as never),
    old: () => oldVersion.processFirehoseEvent(data.event, { ...deps, transformer: older }),
    new: () => newVersion.processFirehoseEvent(data.event, { ...deps, transformer }),
  };
  const { cpu, wall } = await pairedRounds(impls, rounds, { warmup: 8, beforeEach: gc });
  const ratio = (m: Record<string, number[]>, a: string, b: string): string =>
    medianRatio(m[a]!, m[b]!).toFixed(2);
  console.log(
    `${name}${guard && name === 'firehose-6mib' ? ' (6 MB guard)' : ''}, ${rounds} rounds: ` +
      `CPU old/floor ${ratio(cpu, 'old', 'floor')} new/floor ${ratio(cpu, 'new', 'floor')} ` +
      `new/old ${ratio(cpu, 'new', 'old')}; wall old/floor ${ratio(wall, 'old', 'floor')} ` +
      `new/floor ${ratio(wall, 'new', 'floor')} new/old ${ratio(wall, 'new', 'old')}`,
  );
}
