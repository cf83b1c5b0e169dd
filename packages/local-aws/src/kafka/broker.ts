import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import { findJava } from '../dynamodb/index.js';
import { StandInStartError } from '../errors.js';
import { assembledHome, rssOf } from '../internal/jvm.js';
import { freePort } from '../internal/net.js';
import { killChild, trackChild, watchChild } from '../internal/processes.js';
import { waitFor } from '../internal/wait.js';

/** The folder with the broker's pom, launcher, config and assembly script. */
const BROKER_SOURCES = fileURLToPath(new URL('../../kafka/', import.meta.url));

/**
 * JVM flags of the broker: a small heap (a test broker holds a few thousand records), the serial
 * collector and C1 only, which start a JVM fastest on a busy two-core machine.
 */
export const KAFKA_JVM_FLAGS = [
  '-Xms128m',
  '-Xmx384m',
  '-Xss1m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:-UsePerfData',
  '-Dlog4j2.formatMsgNoLookups=true',
  '-Dlog4j2.disable.jmx=true',
] as const;

/**
 * The broker's home folder (jars, config, launcher), assembled from Maven Central by
 * `packages/local-aws/kafka/assemble.sh` if missing or out of date with its inputs; the script
 * does nothing when it is current. `STREAMLENS_KAFKA_HOME` names an assembled home to use as it is.
 */
export async function kafkaHome(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return assembledHome({
    service: 'kafka',
    label: 'Kafka broker',
    sources: BROKER_SOURCES,
    envVar: 'STREAMLENS_KAFKA_HOME',
    env,
  });
}

/**
 * The broker's configuration: KRaft combined mode (one process is broker and the whole controller
 * quorum), both listeners on 127.0.0.1, internal topics of one partition and one replica (there is
 * one broker; 50 offsets partitions would slow the first consumer group down for nothing), no
 * rebalance delay for the first consumer, and no automatic topic creation, as on Amazon MSK's
 * default configuration: a topic exists because someone created it.
 */
export function brokerProperties(options: {
  brokerPort: number;
  controllerPort: number;
  logDir: string;
}): string {
  const { brokerPort, controllerPort, logDir } = options;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

/** A running broker started by {@link startKafkaBroker}. */
export interface KafkaBroker {
  /** `127.0.0.1:<port>`: the bootstrap servers string clients take. */
  readonly bootstrapServers: string;
  readonly pid: number;
  /** Its configuration, logs and temp files (the starter's to remove). */
  readonly dataDir: string;
  /** Milliseconds from spawn to a broker that answers a metadata request. */
  readonly startMs: number;
  /** Resident set size of the JVM now, in bytes (Linux; undefined elsewhere). */
  rssBytes(): number | undefined;
  /** SIGTERM (Kafka's shutdown hook closes its logs), SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startKafkaBroker}. */
export interface KafkaBrokerOptions {
  /** Folder for the broker's storage, configuration and temp files (the caller removes it). */
  readonly dataDir: string;
  /** Give up after this long (default 90 s: several JVMs starting at once on two cores). */
  readonly timeoutMs?: number;
  readonly log?: (message: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** Whether the broker at `bootstrapServers` answers a metadata request. */
async function answersMetadata(bootstrapServers: string): Promise<boolean> {
  const admin = new Admin({
    clientId: 'streamlens-local-aws',
    bootstrapBrokers: [bootstrapServers],
    retries: 0,
    timeout: 2_000,
  });
  try {
    const metadata = await admin.metadata({ topics: [] });
    return metadata.brokers.size > 0;
  } finally {
    await admin.close();
  }
}

/**
 * Starts a real Apache Kafka broker (KRaft, broker and controller in one JVM; docs/kafka.md) on
 * ephemeral ports of 127.0.0.1, its storage formatted in `dataDir`, and resolves once it answers
 * a metadata request.
 */
export async function startKafkaBroker(options: KafkaBrokerOptions): Promise<KafkaBroker> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const java = findJava(env);
  if (!java) {
    throw new StandInStartError('kafka', 'no java found (JAVA_HOME or PATH); it needs Java 17');
  }
  const home = await kafkaHome(env);
  const dataDir = options.dataDir;
  const tmp = join(dataDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  // Kafka's controller listener cannot take port 0 (the quorum's address is written at format
  // time), so both ports are asked of the kernel first.
  const brokerPort = await freePort();
  const controllerPort = await freePort();
  const properties = join(dataDir, 'server.properties');
  writeFileSync(
    properties,
    brokerProperties({ brokerPort, controllerPort, logDir: join(dataDir, 'logs') }),
  );
  const clusterId = randomBytes(16).toString('base64url');

  const t0 = performance.now();
  const child: ChildProcess = spawn(
    java,
    [
      ...KAFKA_JVM_FLAGS,
      `-Djava.io.tmpdir=${tmp}`,
      `-Dlog4j2.configurationFile=${join(home, 'config', 'log4j2.properties')}`,
      '-cp',
      [join(home, 'lib', '*'), join(home, 'launcher')].join(
        process.platform === 'win32' ? ';' : ':',
      ),
      'LocalBroker',
      properties,
      clusterId,
    ],
    // stdin stays an open pipe: the launcher stops the broker when it closes (this process died).
    { cwd: dataDir, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  trackChild(child);
  const watch = watchChild(child, 'kafka', 'the Kafka broker');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killChild(child, 10_000);
  };

  const bootstrapServers = `127.0.0.1:${brokerPort}`;
  try {
    const timeoutMs = options.timeoutMs ?? 90_000;
    await waitFor(() => watch.output().includes('Kafka Server started'), {
      timeoutMs,
      intervalMs: 50,
      abortIf: watch.abortIf,
      what: 'the Kafka broker to start',
    });
    await waitFor(() => answersMetadata(bootstrapServers), {
      timeoutMs,
      intervalMs: 100,
      abortIf: watch.abortIf,
      what: 'the Kafka broker to answer a metadata request',
    });
    const startMs = Math.round(performance.now() - t0);
    const pid = child.pid ?? 0;
    log(`Kafka broker pid ${pid} at ${bootstrapServers} in ${startMs} ms`);
    return { bootstrapServers, pid, dataDir, startMs, rssBytes: () => rssOf(pid), stop };
  } catch (error) {
    await stop();
    if (error instanceof StandInStartError) throw error;
    throw new StandInStartError(
      'kafka',
      `the Kafka broker did not start: ${watch.output().trim()}`,
      { cause: error },
    );
  }
}
