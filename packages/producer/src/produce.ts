import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AnomalyTruth, GeneratorOptions } from './generator/generator.js';
import { createGenerator, type TrafficGenerator } from './generator/generator.js';
import { pace } from './generator/pace.js';
import type { ProducerMetrics } from './producer.js';

export interface ProduceOptions extends GeneratorOptions {
  /** A Kinesis, Firehose (adapted) or Kafka producer. */
  producer: {
    put(record: { data: string | Uint8Array; partitionKey: string }): Promise<unknown>;
    flush(): Promise<void>;
    metrics(): Pick<ProducerMetrics, 'latencyMs' | 'inFlightBytes' | 'waitingPuts'>;
  };
  /** Seconds of schedule to send (default: until `signal` aborts). */
  durationSeconds?: number;
  /** Ground-truth JSON file, rewritten at the end (and every `progress` second when set). */
  truthFile?: string;
  signal?: AbortSignal;
  /** Called about once a second. */
  onProgress?: (p: ProduceProgress) => void;
}

export interface ProduceProgress {
  elapsedSeconds: number;
  generated: number;
  acknowledged: number;
  failed: number;
  invalid: number;
  /** Acknowledged records per second over the last interval. */
  ratePerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  inFlightBytes: number;
  anomalies: number;
}

export interface ProduceSummary extends ProduceProgress {
  truth: AnomalyTruth[];
  /** Failure reasons with counts (`DeliveryFailedError` codes). */
  failures: Record<string, number>;
}

/** Formats a progress line for the CLI. */
export function formatProgress(p: ProduceProgress): string {
  return (
    `t=${p.elapsedSeconds.toFixed(0)}s sent=${p.generated} acked=${p.acknowledged} failed=${p.failed} ` +
    `invalid=${p.invalid} rate=${p.ratePerSecond.toFixed(0)}/s p50=${p.latencyP50Ms.toFixed(0)}ms ` +
    `p99=${p.latencyP99Ms.toFixed(0)}ms inflight=${(p.inFlightBytes / 1024).toFixed(0)}KiB anomalies=${p.anomalies}`
  );
}

/**
 * Sends generated traffic in real time through a producer: what `pnpm produce` runs, usable
 * in-process (the local pipeline). Puts are not awaited one by one (the producer batches them);
 * backpressure still holds because `put` waits for capacity before the next tick's records.
 */
export async function produce(opts: ProduceOptions): Promise<ProduceSummary> {
  const gen = createGenerator(opts);
  const t0 = performance.now();
  let generated = 0;
  let acknowledged = 0;
  let failed = 0;
  let invalid = 0;
  let lastEventTimeMs = gen.startTimeMs;
  const failures: Record<string, number> = {};
  const snapshot = (rateWindow: { acked: number; at: number }): ProduceProgress => {
    const m = opts.producer.metrics();
    const now = performance.now();
    const rate = ((acknowledged - rateWindow.acked) * 1000) / Math.max(1, now - rateWindow.at);
    return {
      elapsedSeconds: (now - t0) / 1000,
      generated,
      acknowledged,
      failed,
      invalid,
      ratePerSecond: rate,
      latencyP50Ms: m.latencyMs.p50,
      latencyP99Ms: m.latencyMs.p99,
      inFlightBytes: m.inFlightBytes,
      anomalies: gen.truth({ untilMs: lastEventTimeMs }).length,
    };
  };
  const window = { acked: 0, at: t0 };
  let nextProgress = t0 + 1000;
  const paceOpts = {
    ...(opts.durationSeconds !== undefined ? { durationSeconds: opts.durationSeconds } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  };
  const counting = new Set<Promise<void>>();
  for await (const batch of pace(gen, paceOpts)) {
    for (const r of batch) {
      generated++;
      if (r.invalid !== undefined) invalid++;
      lastEventTimeMs = r.eventTimeMs;
      const p = opts.producer.put({ data: r.data, partitionKey: r.partitionKey });
      const counted = p.then(
        () => {
          acknowledged++;
        },
        (err: unknown) => {
          failed++;
          const code = (err as { code?: string }).code ?? (err as Error).name ?? 'Error';
          failures[code] = (failures[code] ?? 0) + 1;
        },
      );
      counting.add(counted);
      void counted.then(() => counting.delete(counted));
      // Backpressure: once puts queue for capacity, wait for this one before generating more.
      if (opts.producer.metrics().waitingPuts > 0) await p.catch(() => undefined);
    }
    if (performance.now() >= nextProgress) {
      opts.onProgress?.(snapshot(window));
      window.acked = acknowledged;
      window.at = performance.now();
      nextProgress += 1000;
      if (opts.truthFile) {
        await writeTruth(opts.truthFile, gen.truth({ untilMs: lastEventTimeMs + 1 }), gen);
      }
    }
  }
  await opts.producer.flush();
  // A producer settles its records before their callers' continuations run: wait for the counts.
  await Promise.all(counting);
  const truth = gen.truth({ untilMs: lastEventTimeMs + 1 });
  if (opts.truthFile) await writeTruth(opts.truthFile, truth, gen);
  const final = snapshot({ acked: 0, at: t0 });
  opts.onProgress?.(final);
  return { ...final, truth, failures };
}

/** The ground-truth file: the generator's settings and the anomalies it injected. */
export interface TruthFile {
  generator: { seed: number; scenario: string; rate: number; startTime: string; timeScale: number };
  anomalies: AnomalyTruth[];
}

async function writeTruth(
  file: string,
  truth: AnomalyTruth[],
  gen: TrafficGenerator,
): Promise<void> {
  const content: TruthFile = {
    generator: {
      seed: gen.seed,
      scenario: gen.scenario.name,
      rate: gen.rate,
      startTime: new Date(gen.startTimeMs).toISOString(),
      timeScale: gen.timeScale,
    },
    anomalies: truth,
  };
  await mkdir(dirname(file), { recursive: true });
  // Write then rename: a reader polling the file never sees half of it.
  await writeFile(`${file}.tmp`, `${JSON.stringify(content, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
