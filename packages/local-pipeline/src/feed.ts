import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type AnomalyTruth,
  createGenerator,
  isScenarioName,
  KinesisProducer,
  pace,
} from '@streamlens/producer';
import { LocalPipelineError } from './errors.js';

/** What was sent: the ground truth the reconciliation checks the sinks against. */
export interface ProducedLedger {
  /** Ids of valid events that Kinesis accepted, with type and event time. */
  readonly valid: Map<string, { type: string; timeMs: number }>;
  invalid: number;
  rejected: number;
  /** Produce time per id (ms), for lag. */
  readonly sentAt: Map<string, number>;
  truth: AnomalyTruth[];
  firstEventMs: number;
  lastEventMs: number;
}

/** Options of the traffic feed. */
export interface FeedOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly rate: number;
  readonly durationSeconds?: number;
  readonly seed: number;
  readonly scenario: string;
  readonly signal: AbortSignal;
  /** Overrides the scenario's mean seconds between injected anomalies. */
  readonly anomalyEverySeconds?: number;
  /** Event time runs this many times faster than wall time (the generator's `timeScale`). */
  readonly timeScale?: number;
  /** Telemetry devices (5 series each; the generator's default is 20). */
  readonly devices?: number;
  /** Each valid event Kinesis accepted: its event time and when it was sent (wall ms). */
  readonly onProduced?: (eventTimeMs: number, sentAtMs: number) => void;
}

/**
 * Feed generated traffic (the producer's seeded generator, real-time paced) into the events
 * stream through the producer library, recording every accepted event in a ledger.
 */
export async function feed(options: FeedOptions, ledger: ProducedLedger): Promise<void> {
  if (!isScenarioName(options.scenario)) {
    throw new LocalPipelineError(`unknown scenario "${options.scenario}"`);
  }
  const generator = createGenerator({
    seed: options.seed,
    rate: options.rate,
    scenario: options.scenario,
    ...(options.anomalyEverySeconds !== undefined
      ? { anomalyEverySeconds: options.anomalyEverySeconds }
      : {}),
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.devices !== undefined ? { devices: options.devices } : {}),
  });
  const producer = new KinesisProducer({
    client: options.kinesis,
    streamName: options.streamName,
  });
  const pending: Promise<void>[] = [];
  try {
    for await (const batch of pace(generator, {
      signal: options.signal,
      ...(options.durationSeconds !== undefined
        ? { durationSeconds: options.durationSeconds }
        : {}),
    })) {
      for (const record of batch) {
        const now = Date.now();
        const put = producer.put({ data: record.data, partitionKey: record.partitionKey }).then(
          () => {
            if (record.event) {
              ledger.valid.set(record.event.id, {
                type: record.event.type,
                timeMs: record.eventTimeMs,
              });
              ledger.sentAt.set(record.event.id, now);
              options.onProduced?.(record.eventTimeMs, now);
              ledger.firstEventMs = Math.min(ledger.firstEventMs, record.eventTimeMs);
              ledger.lastEventMs = Math.max(ledger.lastEventMs, record.eventTimeMs);
            } else ledger.invalid++;
          },
          () => {
            ledger.rejected++;
          },
        );
        pending.push(put);
      }
      if (pending.length > 20_000) await Promise.all(pending.splice(0, pending.length - 5_000));
    }
  } finally {
    await producer.flush().catch(() => undefined);
    await Promise.all(pending);
    await producer.close().catch(() => undefined);
    ledger.truth = generator.truth({ untilMs: ledger.lastEventMs + 1 });
  }
}

/** An empty ledger. */
export function newLedger(): ProducedLedger {
  return {
    valid: new Map(),
    invalid: 0,
    rejected: 0,
    sentAt: new Map(),
    truth: [],
    firstEventMs: Number.POSITIVE_INFINITY,
    lastEventMs: 0,
  };
}
