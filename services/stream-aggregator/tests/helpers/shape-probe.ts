/**
 * Run as `node --allow-natives-syntax --expose-gc --import tsx shape-probe.ts [--anchor]`:
 * optimises two functions that use the hot path's objects (partials; decoder and record source),
 * runs a full garbage collection, and prints whether each is still optimised. With `--anchor` a long-lived
 * Aggregator / RecordDecoder exists (as in a Lambda container); without, nothing outlives a call.
 */
import { RecordDecoder } from '../../src/decode/record-decoder.js';
import { Aggregator, DEFAULT_ENGINE_CONFIG } from '../../src/domain/engine.js';
import { PartialAggregate } from '../../src/domain/partial.js';
import { KinesisRecordSource } from '../../src/sources/kinesis.js';
import { kinesisEvent, kinesisRecord, telemetry } from './kinesis-events.js';

const natives = (body: string) => new Function('f', body) as (f: unknown) => number;
const status = natives('return %GetOptimizationStatus(f)');
const prepare = natives('%PrepareFunctionForOptimization(f)');
const optimize = natives('%OptimizeFunctionOnNextCall(f)');
const TURBOFANNED = 1 << 6;

const anchored = process.argv.includes('--anchor');
const nothing = { emit: async () => {}, put: async () => {} };
const aggregator = anchored
  ? new Aggregator(DEFAULT_ENGINE_CONFIG, {
      store: {} as never,
      windows: nothing,
      rejects: nothing,
    })
  : undefined;
const decoder = anchored ? new RecordDecoder({ seriesDimensions: [] }) : undefined;
const event = kinesisEvent([
  kinesisRecord('shardId-000000000000', '1', telemetry('1', 'cpu', 2, '2026-11-25T12:00:00.000Z')),
]);

function partialWork(): number {
  const p = new PartialAggregate(0.01, 2048);
  p.add(1.5);
  p.add(-2.5);
  p.add(0);
  return p.toJSON().n;
}

function decoderWork(): number {
  const d = decoder ?? new RecordDecoder({ seriesDimensions: [] });
  return new KinesisRecordSource(event, d).at(0).obs?.value ?? 0;
}

const works = { partial: partialWork, decoder: decoderWork };
for (const work of Object.values(works)) {
  prepare(work);
  for (let i = 0; i < 100; i++) work();
  optimize(work);
  work();
}
const optimised = (f: unknown) => (status(f) & TURBOFANNED) !== 0;
const before = { partial: optimised(partialWork), decoder: optimised(decoderWork) };
(globalThis as unknown as { gc: () => void }).gc();
const after = { partial: optimised(partialWork), decoder: optimised(decoderWork) };
console.log(JSON.stringify({ before, after }));
void aggregator;
