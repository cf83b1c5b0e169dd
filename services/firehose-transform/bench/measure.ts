/**
 * Focused, interleaved measurement of the transform against the floor and the Powertools envelope
 * peer in one process (the full comparison is `pnpm bench --filter firehose`):
 * `node --expose-gc --import tsx services/firehose-transform/bench/measure.ts [rounds] [workload...]`.
 * Prints per workload the median of each implementation and its ratio to the floor of the same run.
 */
import {
  floorFirehoseTransform,
  median,
  medianRatio,
  pairedRounds,
  workloads,
} from '@streamlens/bench';
import { DEFAULT_CONFIG } from '../src/config.js';
import { type LoggerLike, processFirehoseEvent } from '../src/processor.js';
import type { Reingest } from '../src/reingest.js';
import { RecordTransformer } from '../src/transform.js';

const quietLogger: LoggerLike = { info: () => {}, warn: () => {}, error: () => {} };
const noReingest: Reingest = async () => [];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const rounds = Number(process.argv[2] ?? 15);
const names = process.argv.slice(3);
const selected = (names.length > 0 ? names : ['firehose-1mib', 'firehose-6mib']) as Array<
  'firehose-1mib' | 'firehose-6mib' | 'firehose-kinesis-1mib'
>;

// The peer lives in the bench package's sources (not exported): import it by path.
const { powertoolsEnvelopeTransform } = (await import(
  '../../../packages/bench/src/peers/firehose.js'
)) as { powertoolsEnvelopeTransform: (e: unknown) => unknown };

for (const name of selected) {
  const data = workloads[name].data();
  const config = {
    ...DEFAULT_CONFIG,
    maxEventBytes: data.maxRecordBytes,
    responseLimitBytes: name === 'firehose-6mib' ? Number.MAX_SAFE_INTEGER : 6_000_000,
  };
  const transformer = new RecordTransformer(config);
  const impls: Record<string, () => unknown> = {
    floor: () => floorFirehoseTransform(data.event as never),
    streamlens: () =>
      processFirehoseEvent(data.event as never, {
        config,
        transformer,
        reingest: noReingest,
        logger: quietLogger,
      }),
    powertools: () => powertoolsEnvelopeTransform(data.event),
  };
  const { cpu, wall: samples } = await pairedRounds(impls, rounds, { warmup: 10, beforeEach: gc });
  const floor = median(samples.floor!);
  const ours = median(samples.streamlens!);
  const pt = median(samples.powertools!);
  // Per-round ratios too: each round's three samples were taken back to back.
  const perRound = medianRatio(samples.streamlens!, samples.floor!);
  console.log(
    `${name} (${data.event.records.length} records, ${rounds} rounds): floor ${floor.toFixed(1)} ms, ` +
      `streamlens ${ours.toFixed(1)} ms ×${(ours / floor).toFixed(2)} (per-round median ×${perRound.toFixed(2)}), ` +
      `powertools ${pt.toFixed(1)} ms ×${(pt / floor).toFixed(2)}; powertools/streamlens ${(pt / ours).toFixed(2)}`,
  );
  const cFloor = median(cpu.floor!);
  const cOurs = median(cpu.streamlens!);
  const cPt = median(cpu.powertools!);
  console.log(
    `  cpu time: floor ${cFloor.toFixed(1)} ms, streamlens ${cOurs.toFixed(1)} ms ×${(cOurs / cFloor).toFixed(2)}, ` +
      `powertools ${cPt.toFixed(1)} ms ×${(cPt / cFloor).toFixed(2)}; powertools/streamlens ${(cPt / cOurs).toFixed(2)}; ` +
      `paired per round: streamlens/floor ×${medianRatio(cpu.streamlens!, cpu.floor!).toFixed(2)}, ` +
      `powertools/streamlens ${medianRatio(cpu.powertools!, cpu.streamlens!).toFixed(2)}`,
  );
}
