import { join } from 'node:path';
import type { StreamEventSettings } from '../config/functions.js';
import { LocalPipelineError } from '../errors.js';
import type { InvokeOutcome } from '../runtime/container.js';
import { warehouseTargetOf } from '../sqs/warehouse.js';
import type { StandIns } from '../standins.js';
import type { WiredFunction } from '../wiring.js';
import { KafkaEventSourceMapping, type KafkaFailureRecord } from './kafka-mapping.js';
import { NdjsonFailureSink } from './records.js';

/**
 * `pnpm start --ingest kafka`: the events travel through a topic on the local broker instead of
 * the events stream. The topic has the stream's name and partition count, so that everything
 * that reports a consumer by its source (`settings.streamName`) or sizes concurrency by shard
 * count reads the same; each consumer of the events stream gets a Kafka event source mapping with
 * its trigger's settings instead (as `ingest: msk` deploys it: config/kafka-ingest.cjs).
 */
export interface KafkaIngest {
  readonly bootstrapServers: string;
  /** The topic: named as the events stream it stands for. */
  readonly topic: string;
  readonly partitions: number;
  /** Where discarded batches' metadata goes (one NDJSON file per destination). */
  readonly failures: NdjsonFailureSink<KafkaFailureRecord>;
}

/** The local cluster's ARN in `eventSourceArn` (the event of an Amazon MSK mapping). */
export const LOCAL_CLUSTER_ARN =
  'arn:aws:kafka:us-east-1:000000000000:cluster/streamlens-local/00000000-0000-0000-0000-000000000000-1';

/** The Kafka mapping that stands for a function's trigger on the events stream. */
export function kafkaMappingFor(
  ingest: KafkaIngest,
  fn: { readonly name: string; readonly arn: string },
  trigger: StreamEventSettings,
  invoke: (event: unknown) => Promise<InvokeOutcome>,
  onNotice?: (message: string) => void,
): KafkaEventSourceMapping {
  return new KafkaEventSourceMapping({
    functionName: fn.name,
    functionArn: fn.arn,
    bootstrapServers: ingest.bootstrapServers,
    settings: {
      topic: ingest.topic,
      // One group per function, as config/kafka-ingest.cjs gives each deployed mapping.
      consumerGroup: fn.name,
      eventSource: 'aws:kafka',
      eventSourceArn: LOCAL_CLUSTER_ARN,
      batchSize: trigger.batchSize,
      batchWindowSeconds: trigger.batchWindowSeconds,
      // A Kafka mapping starts a new group at the earliest or latest offset only.
      startingPosition: trigger.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
      maximumRetryAttempts: trigger.maximumRetryAttempts,
      ...(trigger.onFailureArn ? { onFailureArn: trigger.onFailureArn } : {}),
    },
    invoke,
    failureSink: ingest.failures,
    ...(onNotice ? { onNotice } : {}),
  });
}

/**
 * What `--ingest kafka` leaves without input: the lake's delivery stream reads the Kinesis events
 * stream (Firehose from a Kafka topic is not built, in the deployment either), and the warehouse
 * loads its events from the lake. They are taken out of the run, each with a line saying why, so
 * that the reconciliation skips the lake and the warehouse instead of failing them.
 */
export function withoutLake<F extends { readonly sourceStreamName: string }>(
  ingest: KafkaIngest,
  firehoses: readonly F[],
  functions: readonly WiredFunction[],
  notWired: string[],
): F[] {
  const kept = firehoses.filter((f) => f.sourceStreamName !== ingest.topic);
  for (const f of firehoses.filter((x) => !kept.includes(x))) {
    notWired.push(
      `firehose from ${f.sourceStreamName}: with --ingest kafka nothing is written to that stream (the lake is fed from Kinesis only)`,
    );
  }
  for (const fn of functions) {
    if (fn.sqsMappings.length === 0 || !warehouseTargetOf(fn.definition.environment)) continue;
    fn.sqsMappings.splice(0);
    notWired.push(`${fn.definition.name}: loads from the lake, which --ingest kafka does not feed`);
  }
  return kept;
}

/** The topic that stands for the events stream, on the running broker. */
export async function startKafkaIngest(
  aws: StandIns,
  stream: { readonly name: string; readonly shardCount: number },
  runDir: string,
): Promise<KafkaIngest> {
  const bootstrapServers = aws.env.KAFKA_BOOTSTRAP_SERVERS;
  if (!bootstrapServers) {
    throw new LocalPipelineError('--ingest kafka needs the kafka stand-in (packages/local-aws)');
  }
  await aws.createResources({
    kafkaTopics: [{ name: stream.name, partitions: stream.shardCount }],
  });
  return {
    bootstrapServers,
    topic: stream.name,
    partitions: stream.shardCount,
    failures: new NdjsonFailureSink<KafkaFailureRecord>(join(runDir, 'on-failure')),
  };
}
