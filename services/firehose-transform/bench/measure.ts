/**
 * Focused, interleaved measurement of the transform against the floor and the Powertools envelope
 * peer in one process (the full comparison is `pnpm bench --filter firehose`):
 * `node --expose-gc --import tsx services/firehose-transform/bench/measure.ts [rounds] [workload...]`.
 * Prints per workload the median of each implementation and its ratio to the floor of the same run.
 */
import { floorFirehoseTransform, workloads } from '@streamlens/bench';
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

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
  const keys = Object.keys(impls);
  const samples: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  // Process CPU time too: on a box with a load of 10+ on 2 cores, wall time mostly measures waiting.
  const cpu: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  for (let i = 0; i < 10; i++) for (const k of keys) await impls[k]!();
  for (let r = 0; r < rounds; r++) {
    // Rotations of the order and of its reverse: with rotations alone the transform always ran
    // right after the floor (see bench/ab.ts: that position alone cost an identical copy 15-30%).
    const order = r % 2 === 0 ? keys : [...keys].reverse();
    for (let j = 0; j < keys.length; j++) {
      const k = order[(j + (r >> 1)) % keys.length]!;
      gc();
      const c = process.cpuUsage();
      const t = performance.now();
      await impls[k]!();
      samples[k]!.push(performance.now() - t);
      const used = process.cpuUsage(c);
      cpu[k]!.push((used.user + used.system) / 1000);
    }
  }
  const floor = median(samples.floor!);
  const ours = median(samples.streamlens!);
  const pt = median(samples.powertools!);
  // Per-round ratios too: each round's three samples were taken back to back.
  const perRound = samples.streamlens!.map((s, i) => s / samples.floor![i]!);
  console.log(
    `${name} (${data.event.records.length} records, ${rounds} rounds): floor ${floor.toFixed(1)} ms, ` +
      `streamlens ${ours.toFixed(1)} ms ×${(ours / floor).toFixed(2)} (per-round median ×${median(perRound).toFixed(2)}), ` +
      `powertools ${pt.toFixed(1)} ms ×${(pt / floor).toFixed(2)}; powertools/streamlens ${(pt / ours).toFixed(2)}`,
  );
  const cFloor = median(cpu.floor!);
  const cOurs = median(cpu.streamlens!);
  const cPt = median(cpu.powertools!);
  console.log(
    `  cpu time: floor ${cFloor.toFixed(1)} ms, streamlens ${cOurs.toFixed(1)} ms ×${(cOurs / cFloor).toFixed(2)}, ` +
      `powertools ${cPt.toFixed(1)} ms ×${(cPt / cFloor).toFixed(2)}; powertools/streamlens ${(cPt / cOurs).toFixed(2)}; ` +
      `paired per round: streamlens/floor ×${median(cpu.streamlens!.map((c, i) => c / cpu.floor![i]!)).toFixed(2)}, ` +
      `powertools/streamlens ${median(cpu.powertools!.map((c, i) => c / cpu.streamlens![i]!)).toFixed(2)}`,
  );
}
