/**
 * Measures the bench's hot path (kinesis-6mb: decode, validate, window, sketch; no I/O) against the
 * Kinesis floor and the Powertools BatchProcessor peer, interleaved in one process, as CPU time
 * (wall time is mostly waiting on a loaded machine). `--profile N` runs only ours N times (for
 * `node --cpu-prof`).
 *
 *   npx tsx scripts/measure-hot-path.ts [--rounds 15]
 *   node --cpu-prof --import tsx scripts/measure-hot-path.ts --profile 40
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { floorKinesisBatch, workloads } from '@streamlens/bench';
import { powertoolsBatchKinesis } from '../../../packages/bench/src/peers/kinesis.js';
import { suites } from '../bench/aggregator.bench.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const data = workloads['kinesis-6mb'].data();
const suite = suites[0]!;
const state = await suite.setup!(data as never);
const ours = () => suite.run(data as never, state as never);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
async function time(fn: () => unknown): Promise<number> {
  const t0 = cpuMs();
  await fn();
  return cpuMs() - t0;
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

const profile = opt('--profile', 0);
if (profile > 0) {
  const which = args.includes('--floor') ? () => floorKinesisBatch(data.event) : ours;
  // Profiles only the measured runs (after `--warm` unprofiled ones), written to --out.
  const g = (globalThis as { gc?: () => void }).gc;
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
    );
  for (let i = 0; i < opt('--warm', 0); i++) await which();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  for (let i = 0; i < profile; i++) {
    if (g && args.includes('--gc')) g();
    const t0 = cpuMs();
    await which();
    if (args.includes('--trace')) console.log(`run ${i}: ${(cpuMs() - t0).toFixed(1)} ms`);
  }
  const { profile: prof } = (await post('Profiler.stop')) as { profile: unknown };
  const out = args[args.indexOf('--out') + 1];
  if (args.includes('--out') && out) writeFileSync(out, JSON.stringify(prof));
  process.exit(0);
}
const rounds = opt('--rounds', 15);
const impls: Array<[string, () => unknown]> = [
  ['floor', () => floorKinesisBatch(data.event)],
  ['stream-aggregator', ours],
  ['BatchProcessor peer', () => powertoolsBatchKinesis(data.event)],
];
const samples = new Map<string, number[]>(impls.map(([n]) => [n, []]));
const warm = opt('--warm', 1);
const gc = args.includes('--no-gc')
  ? () => undefined
  : ((globalThis as { gc?: () => void }).gc ?? (() => undefined));
for (let w = 0; w < warm; w++) for (const [, fn] of impls) await fn();
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < impls.length; k++) {
    const [name, fn] = impls[(r + k) % impls.length]!;
    gc();
    samples.get(name)!.push(await time(fn));
  }
}
const floor = median(samples.get('floor')!);
console.log(
  `${data.records.length} records, ${warm} warm-up, ${rounds} rounds, CPU ms (median, min)`,
);
if (args.includes('--trace'))
  console.log(
    samples
      .get('stream-aggregator')!
      .map((x) => x.toFixed(1))
      .join(' '),
  );
for (const [name] of impls) {
  const xs = samples.get(name)!;
  const m = median(xs);
  console.log(
    `${name.padEnd(22)} ${m.toFixed(1).padStart(7)} ${Math.min(...xs)
      .toFixed(1)
      .padStart(
        7,
      )}  x${(m / floor).toFixed(2)}  ${((m * 1000) / data.records.length).toFixed(2)} us/record`,
  );
}
process.exit(0);
