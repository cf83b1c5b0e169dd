// CPU time of the query runner against the floor, the aggregator and BatchProcessor on the
// kinesis-6mb workload, samples taken back to back (pairedRounds): on a loaded shared machine
// only ratios of samples taken together mean anything, and CPU time moves less than wall time.
//
//   node --expose-gc --import tsx services/stream-aggregator/bench/paired-queries.ts --rounds 15
import { parseArgs } from 'node:util';
import { type BenchSuite, medianRatio, pairedRounds, workloads } from '@streamlens/bench';
import { suites as peerSuites } from '../../../packages/bench/bench/kinesis.bench.js';
import { suites as aggregatorSuites } from './aggregator.bench.js';
import { suites as querySuites } from './queries.bench.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '15' } } });
const rounds = Number(values.rounds);
const data = workloads['kinesis-6mb'].data();
const wanted: Record<string, string> = {
  floor: 'floor: decode, JSON.parse, sum per series key',
  aggregator: 'stream-aggregator: decode, validate, window, sketch (no I/O)',
  batchProcessor: 'Powertools BatchProcessor, zod parse in handler',
  defaultQuery: 'stream-aggregator queries: the default query',
  tenQueries: 'stream-aggregator queries: ten queries',
  defaultApply: 'stream-aggregator queries: the default query, apply only',
  tenApply: 'stream-aggregator queries: ten queries, apply only',
};
const all = [...peerSuites, ...aggregatorSuites, ...querySuites] as unknown as BenchSuite[];
const impls: Record<string, () => unknown> = {};
for (const [key, name] of Object.entries(wanted)) {
  const suite = all.find((s) => s.name === name && s.workload.name === 'kinesis-6mb');
  if (suite === undefined) throw new Error(`no suite ${name}`);
  const state = await suite.setup?.(data);
  impls[key] = () => suite.run(data, state);
}
const gc = (globalThis as { gc?: () => void }).gc;
const { cpu } = await pairedRounds(impls, rounds, { warmup: 3, beforeEach: gc });
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`kinesis-6mb, ${rounds} rounds, CPU ms per invocation (median, min) and median ratio`);
for (const key of Object.keys(impls)) {
  const xs = cpu[key]!;
  console.log(
    `${key.padEnd(16)} ${med(xs).toFixed(1).padStart(8)} ${Math.min(...xs)
      .toFixed(1)
      .padStart(8)}` +
      `   ×floor ${medianRatio(xs, cpu.floor!).toFixed(2)}   ×aggregator ${medianRatio(xs, cpu.aggregator!).toFixed(2)}` +
      `   ×BatchProcessor ${medianRatio(xs, cpu.batchProcessor!).toFixed(2)}`,
  );
}
