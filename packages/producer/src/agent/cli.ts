import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createFirehoseClient, createKinesisClient } from '../clients.js';
import { ProducerConfigError } from '../errors.js';
import { FirehoseProducer } from '../firehose.js';
import { KafkaProducer } from '../kafka.js';
import { KinesisProducer } from '../producer.js';
import { Agent, type AgentConfig, type AgentSink, type FlowConfig } from './agent.js';

const HELP = `usage: pnpm agent --config FILE

Tails files and sends their lines to Kinesis, Firehose or Kafka (see packages/producer/README.md for the
configuration). Stops cleanly on SIGINT/SIGTERM (the batch in flight is finished and committed).
`;

/**
 * Builds the sink of a flow: an ordered Kinesis producer, a Firehose producer (one line per
 * record) or a Kafka producer (ordered per key by construction).
 */
export function sinkFor(config: AgentConfig, flow: FlowConfig): AgentSink {
  const linger = config.maxBufferAgeMillis ?? 500;
  if (flow.kafkaTopic) {
    return new KafkaProducer({
      bootstrapServers: config.kafka?.bootstrapServers,
      topic: flow.kafkaTopic,
      mode: config.kafka?.mode,
      lingerMs: linger,
      maxAttempts: 30,
    });
  }
  if (flow.kinesisStream) {
    return new KinesisProducer({
      client: createKinesisClient(config.kinesis ?? {}),
      streamName: flow.kinesisStream,
      ordered: true,
      aggregate: flow.aggregate ?? false,
      lingerMs: linger,
      // The agent never gives up on a line: the producer retries long, the agent retries after that.
      maxAttempts: 30,
    });
  }
  const producer = new FirehoseProducer({
    client: createFirehoseClient(config.firehose ?? {}),
    deliveryStreamName: flow.deliveryStream as string,
    lingerMs: linger,
    maxAttempts: 30,
  });
  return {
    put: (r) => producer.put(`${r.data}\n`),
    flush: () => producer.flush(),
    close: () => producer.close(),
    metrics: () => producer.metrics(),
  };
}

/** `agent --config FILE`: runs until SIGINT/SIGTERM. */
export async function runAgentCli(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.config) throw new ProducerConfigError('--config FILE is required');
  let config: AgentConfig;
  try {
    config = JSON.parse(await readFile(values.config, 'utf8')) as AgentConfig;
  } catch (err) {
    throw new ProducerConfigError(`cannot read agent config ${values.config}`, { cause: err });
  }
  const agent = new Agent(config, { sinkFor: (flow) => sinkFor(config, flow) });
  const stop = () => {
    void agent.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stderr.write(`agent: started with ${config.flows.length} flow(s)\n`);
  await agent.start();
  await agent.stop();
  return 0;
}
