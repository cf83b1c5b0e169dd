import { Admin } from '@platformatic/kafka';
import { ResourceError } from '../errors.js';
import type { StandInPlugin } from '../types.js';
import { startKafkaBroker } from './broker.js';

export {
  brokerProperties,
  KAFKA_JVM_FLAGS,
  type KafkaBroker,
  type KafkaBrokerOptions,
  kafkaHome,
  startKafkaBroker,
} from './broker.js';
export {
  type LambdaKafkaEvent,
  type LambdaKafkaEventOptions,
  type LambdaKafkaEventRecord,
  lambdaKafkaEvent,
} from './event.js';
export {
  type KafkaRecordToWrite,
  type KafkaTopicRecord,
  readKafkaTopic,
  writeKafkaRecords,
} from './inspect.js';

/** A Kafka topic to create on the local broker. */
export interface KafkaTopicSpec {
  readonly name: string;
  /** Default 1. */
  readonly partitions?: number;
}

declare module '../types.js' {
  interface ResourceSpec {
    kafkaTopics?: readonly KafkaTopicSpec[];
  }
}

/** Kafka's error code for a topic that exists (the protocol's TOPIC_ALREADY_EXISTS). */
const TOPIC_ALREADY_EXISTS = 36;

/** Whether `error` (of @platformatic/kafka's createTopics) says "this topic exists". */
function alreadyExists(error: unknown): boolean {
  const topics = (error as { response?: { topics?: { errorCode?: number }[] } }).response?.topics;
  return topics?.some((topic) => topic.errorCode === TOPIC_ALREADY_EXISTS) ?? false;
}

/**
 * Create topics on the broker at `bootstrapServers` (one replica: there is one broker). Topics
 * that exist already are kept as they are.
 */
export async function createKafkaTopics(
  bootstrapServers: string,
  topics: readonly KafkaTopicSpec[],
): Promise<void> {
  const admin = new Admin({
    clientId: 'streamlens-local-aws',
    bootstrapBrokers: bootstrapServers.split(','),
  });
  try {
    // One request per topic: a batch fails as a whole when one of its topics exists.
    for (const topic of topics) {
      await admin
        .createTopics({ topics: [topic.name], partitions: topic.partitions ?? 1, replicas: 1 })
        .catch((error: unknown) => {
          if (!alreadyExists(error)) throw error;
        });
    }
  } finally {
    await admin.close();
  }
}

/**
 * The `kafka` stand-in: a real Apache Kafka broker (docs/kafka.md). Its env is
 * `KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:<port>`; `createResources({ kafkaTopics })` creates topics.
 */
export const kafkaPlugin: StandInPlugin = {
  name: 'kafka',
  resourceKeys: ['kafkaTopics'],
  async start(ctx) {
    const broker = await startKafkaBroker({ dataDir: ctx.dataDir, log: ctx.log });
    return {
      endpoint: broker.bootstrapServers,
      env: { KAFKA_BOOTSTRAP_SERVERS: broker.bootstrapServers },
      details: {
        engine: 'Apache Kafka 4.4.0 (KRaft, combined broker and controller)',
        pid: broker.pid,
        dataDir: ctx.dataDir,
        startMs: broker.startMs,
        rssBytes: broker.rssBytes,
      },
      stop: () => broker.stop(),
    };
  },
  async createResources(spec, { env }) {
    const topics = spec.kafkaTopics ?? [];
    const bootstrap = env.KAFKA_BOOTSTRAP_SERVERS;
    if (!bootstrap) throw new ResourceError('kafkaTopics need KAFKA_BOOTSTRAP_SERVERS');
    await createKafkaTopics(bootstrap, topics);
    return { kafkaTopics: Object.fromEntries(topics.map((t) => [t.name, t.name])) };
  },
};
