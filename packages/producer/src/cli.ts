#!/usr/bin/env node
/**
 * `pnpm produce [options]` and `pnpm agent --config FILE` (the root scripts run
 * `tsx packages/producer/src/cli.ts produce|agent`).
 */
import { parseArgs } from 'node:util';
import { createFirehoseClient, createKinesisClient } from './clients.js';
import { ProducerConfigError } from './errors.js';
import { FirehoseProducer } from './firehose.js';
import { isScenarioName, SCENARIOS } from './generator/scenarios.js';
import { KafkaProducer } from './kafka.js';
import { formatProgress, produce } from './produce.js';
import { KinesisProducer } from './producer.js';

const PRODUCE_HELP = `usage: pnpm produce --stream NAME [options]
       pnpm produce --target kafka --topic NAME [options]

  --stream NAME          Kinesis stream to write to (or --firehose NAME)
  --firehose NAME        Firehose delivery stream instead of a Kinesis stream
  --target T             kinesis | firehose | kafka (default: from --stream / --firehose)
  --topic NAME           Kafka topic to write to (with --target kafka)
  --mode M               Kafka records: structured | binary CloudEvents (default structured)
  --bootstrap-servers S  Kafka brokers host:port,... (default KAFKA_BOOTSTRAP_SERVERS)
  --rate N               records per second (default 100)
  --duration S           seconds to run (default: until Ctrl-C)
  --seed N               PRNG seed (default 1)
  --scenario X           ${Object.keys(SCENARIOS).join(' | ')} (default anomalies)
  --invalid-share F      share of invalid records, 0..1 (default: the scenario's)
  --aggregate            KPL-aggregate records per shard
  --ordered              keep per-partition-key order under retries
  --truth FILE           write the injected anomalies (ground truth) as JSON
  --time-scale N         event-time seconds per wall second (default 1)
  --day-length S         period of the daily pattern in event-time seconds (default 86400)
  --devices N            telemetry devices (default 20)
  --endpoint URL         service endpoint (default AWS_ENDPOINT_URL_KINESIS / _FIREHOSE)
  --region R             AWS region (default AWS_REGION or us-east-1)
  --quiet                no progress lines
`;

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new ProducerConfigError(`--${name} must be a number, got "${value}"`);
  return n;
}

async function runProduce(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stream: { type: 'string' },
      firehose: { type: 'string' },
      target: { type: 'string' },
      topic: { type: 'string' },
      mode: { type: 'string' },
      'bootstrap-servers': { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      seed: { type: 'string' },
      scenario: { type: 'string' },
      'invalid-share': { type: 'string' },
      aggregate: { type: 'boolean' },
      ordered: { type: 'boolean' },
      truth: { type: 'string' },
      'time-scale': { type: 'string' },
      'day-length': { type: 'string' },
      devices: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(PRODUCE_HELP);
    return 0;
  }
  const target = values.target ?? (values.firehose ? 'firehose' : 'kinesis');
  if (target !== 'kinesis' && target !== 'firehose' && target !== 'kafka') {
    throw new ProducerConfigError(`--target must be kinesis, firehose or kafka, got "${target}"`);
  }
  if (target === 'kafka' && !values.topic) {
    throw new ProducerConfigError('--target kafka needs --topic NAME');
  }
  if (target !== 'kafka' && !values.stream && !values.firehose)
    throw new ProducerConfigError('--stream NAME (or --firehose NAME) is required');
  const mode = values.mode ?? 'structured';
  if (mode !== 'structured' && mode !== 'binary') {
    throw new ProducerConfigError(`--mode must be structured or binary, got "${mode}"`);
  }
  const scenario = values.scenario ?? 'anomalies';
  if (!isScenarioName(scenario)) {
    throw new ProducerConfigError(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`);
  }
  const clientOpts = {
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values.region ? { region: values.region } : {}),
  };
  const producer =
    target === 'kafka'
      ? new KafkaProducer({
          topic: values.topic as string,
          mode,
          bootstrapServers: values['bootstrap-servers'],
        })
      : values.firehose
        ? new FirehoseAdapter(
            new FirehoseProducer({
              client: createFirehoseClient(clientOpts),
              deliveryStreamName: values.firehose,
            }),
          )
        : new KinesisProducer({
            client: createKinesisClient(clientOpts),
            streamName: values.stream as string,
            aggregate: values.aggregate ?? false,
            ordered: values.ordered ?? false,
          });
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const summary = await produce({
    producer,
    seed: num(values.seed, 'seed') ?? 1,
    rate: num(values.rate, 'rate') ?? 100,
    scenario,
    ...optional('invalidShare', num(values['invalid-share'], 'invalid-share')),
    ...optional('durationSeconds', num(values.duration, 'duration')),
    ...optional('timeScale', num(values['time-scale'], 'time-scale')),
    ...optional('dayLengthSeconds', num(values['day-length'], 'day-length')),
    ...optional('devices', num(values.devices, 'devices')),
    ...optional('truthFile', values.truth),
    signal: abort.signal,
    onProgress: values.quiet ? undefined : (p) => process.stderr.write(`${formatProgress(p)}\n`),
  });
  await producer.close();
  process.stdout.write(
    `${JSON.stringify({
      generated: summary.generated,
      acknowledged: summary.acknowledged,
      failed: summary.failed,
      invalid: summary.invalid,
      anomalies: summary.truth.length,
      failures: summary.failures,
    })}\n`,
  );
  return summary.failed > 0 ? 1 : 0;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Gives the Firehose producer the shape `produce` expects (partition keys do not apply). */
class FirehoseAdapter {
  constructor(private readonly inner: FirehoseProducer) {}
  async put(r: { data: string | Uint8Array; partitionKey: string }) {
    const data = typeof r.data === 'string' ? `${r.data}\n` : r.data;
    const res = await this.inner.put(data);
    return { shardId: '', sequenceNumber: res.recordId, attempts: res.attempts };
  }
  flush() {
    return this.inner.flush();
  }
  close() {
    return this.inner.close();
  }
  metrics() {
    const m = this.inner.metrics();
    return {
      ...m,
      kinesisRecords: m.recordsPut,
      throttled: 0,
      shardMapRefreshes: 0,
      waitingPuts: 0,
    };
  }
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'produce':
      return runProduce(rest);
    case 'agent': {
      const { runAgentCli } = await import('./agent/cli.js');
      return runAgentCli(rest);
    }
    default:
      process.stderr.write(`usage: cli.ts produce|agent [options]\n\n${PRODUCE_HELP}`);
      return 2;
  }
}

// Exit explicitly: the SDK clients' keep-alive sockets would otherwise hold the process open.
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`);
    process.exit(err instanceof ProducerConfigError ? 2 : 1);
  },
);
