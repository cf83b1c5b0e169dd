import type { KafkaTopicRecord } from './inspect.js';

/** Where the records come from, as the event names it. */
export interface LambdaKafkaEventOptions {
  /** `aws:kafka` (Amazon MSK, default) or `SelfManagedKafka`. */
  readonly eventSource?: 'aws:kafka' | 'SelfManagedKafka';
  readonly eventSourceArn?: string;
  readonly bootstrapServers?: string;
}

/** One record of a Lambda Kafka event (the shape `@streamlens/lambda-kit/kafka` reads). */
export interface LambdaKafkaEventRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME';
  key?: string;
  value: string | null;
  headers: Record<string, number[]>[];
}

/** A Lambda Kafka event (MSK or self-managed). */
export interface LambdaKafkaEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  eventSourceArn?: string;
  bootstrapServers?: string;
  records: Record<string, LambdaKafkaEventRecord[]>;
}

/**
 * The event Lambda's Kafka event source mapping would hand a function for these records: grouped
 * under `"<topic>-<partition>"` in the order given, key and value in base64, each header an object
 * of one name and its bytes as a list of numbers; MSK events carry the cluster ARN, self-managed
 * ones only the bootstrap servers.
 */
export function lambdaKafkaEvent(
  records: readonly KafkaTopicRecord[],
  options: LambdaKafkaEventOptions = {},
): LambdaKafkaEvent {
  const eventSource = options.eventSource ?? 'aws:kafka';
  const grouped: Record<string, LambdaKafkaEventRecord[]> = {};
  for (const r of records) {
    const group = `${r.topic}-${r.partition}`;
    grouped[group] ??= [];
    grouped[group].push({
      topic: r.topic,
      partition: r.partition,
      offset: Number(r.offset),
      timestamp: Number(r.timestamp),
      timestampType: 'CREATE_TIME',
      ...(r.key === undefined ? {} : { key: r.key.toString('base64') }),
      value: r.value === undefined ? null : r.value.toString('base64'),
      headers: [...r.headers].map(([name, value]) => ({ [name]: [...value] })),
    });
  }
  return {
    eventSource,
    ...(eventSource === 'aws:kafka'
      ? {
          eventSourceArn:
            options.eventSourceArn ??
            'arn:aws:kafka:us-east-1:000000000000:cluster/streamlens-local/00000000-0000-0000-0000-000000000000-1',
        }
      : {}),
    ...(options.bootstrapServers === undefined
      ? {}
      : { bootstrapServers: options.bootstrapServers }),
    records: grouped,
  };
}
