import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type AnomalyTruth,
  createGenerator,
  isScenarioName,
  KafkaProducer,
  KinesisProducer,
  type KinesisSendClient,
  pace,
} from '@streamlens/producer';
import { seriesKeyOf } from '@streamlens/schema';
import { LocalPipelineError } from './errors.js';

/** What was sent: the ground truth the reconciliation checks the sinks against. */
export interface ProducedLedger {
  /** Ids of valid events that Kinesis accepted, with type and event time. */
  readonly valid: Map<string, { type: string; timeMs: number; series?: string }>;
  invalid: number;
  rejected: number;
  /** Valid events sent a second time (`resendEvery`), accepted by Kinesis. */
  resent: number;
  /** Produce time per id (ms), for lag. */
  readonly sentAt: Map<string, number>;
  truth: AnomalyTruth[];
  firstEventMs: number;
  lastEventMs: number;
}

/** Options of the traffic feed. */
export interface FeedOptions {
  readonly kinesis: KinesisClient;
  /** The events stream, or with `kafkaBootstrapServers` the topic of that name. */
  readonly streamName: string;
  /** `--ingest kafka`: send to the topic on this broker (the producer's Kafka client) instead. */
  readonly kafkaBootstrapServers?: string;
  readonly rate: number;
  /** Produce for this many seconds at `rate` (after the ramp); default until stopped. */
  readonly durationSeconds?: number;
  /** Seconds over which the rate first rises linearly from 0 to `rate` (the generator's ramp). */
  readonly rampSeconds?: number;
  readonly seed: number;
  readonly scenario: string;
  readonly signal: AbortSignal;
  /** Overrides the scenario's mean seconds between injected anomalies. */
  readonly anomalyEverySeconds?: number;
  /**
   * Every N-th valid event is sent a second time after its batch, under another partition key (so
   * often on another shard), with a new sequence number: what a producer retry of an entry that
   * had been written, or a file agent re-sending after a crash, puts on the stream. Every sink
   * must still hold the event once. Default: none.
   */
  readonly resendEvery?: number;
  /** Event time runs this many times faster than wall time (the generator's `timeScale`). */
  readonly timeScale?: number;
  /** Telemetry devices (5 series each; the generator's default is 20). */
  readonly devices?: number;
  /** Each valid event Kinesis accepted: its event time and when it was sent (wall ms). */
  readonly onProduced?: (eventTimeMs: number, sentAtMs: number) => void;
}

/** Where the feed reports each record's fate (the ledger, or the worker's batches). */
export interface FeedSink {
  /** `series`: a telemetry reading's series key, as the aggregator keys it (else ''). */
  valid(id: string, type: string, eventTimeMs: number, sentAtMs: number, series: string): void;
  invalid(): void;
  rejected(): void;
  /** A second copy of a valid event was accepted (see `resendEvery`). */
  resent(): void;
}

/** The generator options of a feed, without its Kinesis client, signal and callback. */
export type FeedSettings = Omit<FeedOptions, 'kinesis' | 'signal' | 'onProduced'>;

/**
 * Generate and send the traffic, reporting every record to `sink`; returns the ground truth of
 * the anomalies injected into what was sent.
 */
export async function produceTraffic(
  options: FeedSettings & {
    readonly kinesis: KinesisClient | KinesisSendClient;
    readonly signal: AbortSignal;
  },
  sink: FeedSink,
): Promise<AnomalyTruth[]> {
  if (!isScenarioName(options.scenario)) {
    throw new LocalPipelineError(`unknown scenario "${options.scenario}"`);
  }
  const generator = createGenerator({
    seed: options.seed,
    rate: options.rate,
    ...(options.rampSeconds ? { rampSeconds: options.rampSeconds } : {}),
    scenario: options.scenario,
    ...(options.anomalyEverySeconds !== undefined
      ? { anomalyEverySeconds: options.anomalyEverySeconds }
      : {}),
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.devices !== undefined ? { devices: options.devices } : {}),
  });
  // The same guarantees either way (acknowledged, retried, idempotent on Kafka): docs/kafka.md.
  const producer = options.kafkaBootstrapServers
    ? new KafkaProducer({
        bootstrapServers: options.kafkaBootstrapServers,
        topic: options.streamName,
      })
    : new KinesisProducer({ client: options.kinesis, streamName: options.streamName });
  const pending: Promise<void>[] = [];
  let lastEventMs = 0;
  let validCount = 0;
  try {
    for await (const batch of pace(generator, {
      signal: options.signal,
      ...(options.durationSeconds !== undefined
        ? { durationSeconds: options.durationSeconds + (options.rampSeconds ?? 0) }
        : {}),
    })) {
      const resends: (typeof batch)[number][] = [];
      for (const record of batch) {
        const now = Date.now();
        if (record.event && options.resendEvery && ++validCount % options.resendEvery === 0) {
          resends.push(record);
        }
        const put = producer.put({ data: record.data, partitionKey: record.partitionKey }).then(
          () => {
            if (record.event) {
              if (record.eventTimeMs > lastEventMs) lastEventMs = record.eventTimeMs;
              sink.valid(
                record.event.id,
                record.event.type,
                record.eventTimeMs,
                now,
                record.event.type === 'telemetry.reading' ? seriesKeyOf(record.event) : '',
              );
            } else sink.invalid();
          },
          () => sink.rejected(),
        );
        pending.push(put);
      }
      for (const record of resends) {
        const again = producer
          .put({ data: record.data, partitionKey: `${record.partitionKey}#resent` })
          .then(
            () => sink.resent(),
            // The first copy was accepted: a lost second copy loses nothing.
            () => undefined,
          );
        pending.push(again);
      }
      if (pending.length > 20_000) await Promise.all(pending.splice(0, pending.length - 5_000));
    }
  } finally {
    await producer.flush().catch(() => undefined);
    await Promise.all(pending);
    await producer.close().catch(() => undefined);
  }
  return generator.truth({ untilMs: lastEventMs + 1 });
}

/** A sink that fills a ledger (and reports each valid event to `onProduced`). */
export function ledgerSink(
  ledger: ProducedLedger,
  onProduced?: (eventTimeMs: number, sentAtMs: number) => void,
): FeedSink {
  return {
    valid(id, type, timeMs, sentAtMs, series) {
      ledger.valid.set(id, series ? { type, timeMs, series } : { type, timeMs });
      ledger.sentAt.set(id, sentAtMs);
      onProduced?.(timeMs, sentAtMs);
      if (timeMs < ledger.firstEventMs) ledger.firstEventMs = timeMs;
      if (timeMs > ledger.lastEventMs) ledger.lastEventMs = timeMs;
    },
    invalid() {
      ledger.invalid++;
    },
    rejected() {
      ledger.rejected++;
    },
    resent() {
      ledger.resent++;
    },
  };
}

/**
 * Feed generated traffic (the producer's seeded generator, real-time paced) into the events
 * stream through the producer library, recording every accepted event in a ledger. Runs in this
 * thread; `feedInWorker` runs the same in a worker thread.
 */
export async function feed(options: FeedOptions, ledger: ProducedLedger): Promise<void> {
  ledger.truth = await produceTraffic(options, ledgerSink(ledger, options.onProduced));
}

/**
 * The feed worker's source module (bundled with esbuild like the handlers: no TS loader needed).
 * A function, not a constant: the worker's CommonJS bundle includes this module and has no
 * `import.meta.url`.
 */
export function feedWorkerEntry(): string {
  return fileURLToPath(new URL('./feed-worker.ts', import.meta.url));
}

/** What the feed worker posts: the records settled since its last message, then `done`. */
export type FeedWorkerMessage =
  | {
      readonly kind: 'settled';
      readonly ids: string[];
      readonly types: string[];
      readonly times: number[];
      readonly sentAt: number[];
      readonly series: string[];
      readonly invalid: number;
      readonly rejected: number;
      readonly resent: number;
    }
  /** `thread`: the worker's kernel thread id (its CPU time), when the platform has one. */
  | { readonly kind: 'started'; readonly thread?: number }
  /** `threadTicks`: the worker thread's CPU ticks as it finishes (its stat goes with it). */
  | { readonly kind: 'done'; readonly truth: AnomalyTruth[]; readonly threadTicks?: number }
  | { readonly kind: 'error'; readonly message: string };

/** `workerData` of the feed worker. */
export interface FeedWorkerData {
  readonly settings: FeedSettings;
  /** The stand-ins' environment (the worker builds its own Kinesis client from it). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * `feed` in a worker thread: the generator, the producer (KPL-style batching, PutRecords
 * serialisation, signing, HTTP) run there, off the harness's event loop, which the emulators
 * need (at 2,000 events/s they were about a quarter of its busy time). The worker posts the
 * settled records in batches; the ledger and `onProduced` are filled here, in the same order.
 * `bundle` is `bundleHandler(feedWorkerEntry(), dir)`.
 */
export async function feedInWorker(
  options: FeedSettings & {
    readonly env: Readonly<Record<string, string>>;
    readonly bundle: string;
    readonly signal: AbortSignal;
    readonly onProduced?: (eventTimeMs: number, sentAtMs: number) => void;
    /**
     * The worker has loaded and starts producing now (its schedule starts here): the produce
     * phase is timed from this, not from the worker's creation (seconds on a loaded machine).
     * `thread` is the worker's kernel thread id, for its CPU time.
     */
    readonly onStarted?: (thread?: number) => void;
    /** The worker has finished; `threadTicks`: the CPU ticks its thread used. */
    readonly onFinished?: (threadTicks?: number) => void;
  },
  ledger: ProducedLedger,
): Promise<void> {
  const { env, bundle, signal, onProduced, onStarted, onFinished, ...settings } = options;
  const sink = ledgerSink(ledger, onProduced);
  const data: FeedWorkerData = { settings, env };
  // No execArgv: the bundle is plain CommonJS (tsx's loader is not wanted in the worker).
  const worker = new Worker(bundle, { workerData: data, execArgv: [] });
  const stop = () => worker.postMessage({ kind: 'stop' });
  signal.addEventListener('abort', stop);
  try {
    await new Promise<void>((resolve, reject) => {
      let done = false;
      worker.on('message', (message: FeedWorkerMessage) => {
        if (message.kind === 'started') onStarted?.(message.thread);
        else if (message.kind === 'settled') {
          for (let i = 0; i < message.ids.length; i++) {
            sink.valid(
              message.ids[i] as string,
              message.types[i] as string,
              message.times[i] as number,
              message.sentAt[i] as number,
              message.series[i] as string,
            );
          }
          ledger.invalid += message.invalid;
          ledger.rejected += message.rejected;
          ledger.resent += message.resent;
        } else if (message.kind === 'done') {
          done = true;
          ledger.truth = message.truth;
          onFinished?.(message.threadTicks);
          resolve();
        } else {
          done = true;
          reject(new LocalPipelineError(`feed worker: ${message.message}`));
        }
      });
      worker.once('error', (error) =>
        reject(new LocalPipelineError('feed worker failed', { cause: error })),
      );
      worker.once('exit', (code) => {
        if (!done) reject(new LocalPipelineError(`feed worker exited (${code}) before finishing`));
      });
    });
  } finally {
    signal.removeEventListener('abort', stop);
    await worker.terminate();
  }
}

/** An empty ledger. */
export function newLedger(): ProducedLedger {
  return {
    valid: new Map(),
    invalid: 0,
    rejected: 0,
    resent: 0,
    sentAt: new Map(),
    truth: [],
    firstEventMs: Number.POSITIVE_INFINITY,
    lastEventMs: 0,
  };
}
