/// <reference path="../internal/modules.d.ts" />
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { totalmem } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { clientOptions } from '../clients.js';
import { ResourceError, StandInStartError } from '../errors.js';
import { forkStandIn } from '../internal/child.js';
import { closeHttpServer, freePort, listenEphemeral } from '../internal/net.js';
import { killChild, trackChild, watchChild } from '../internal/processes.js';
import { isNotListeningYet, waitFor } from '../internal/wait.js';
import type { RunningStandIn, StandInContext, StandInPlugin } from '../types.js';

/** Which DynamoDB engine to run: AWS's DynamoDB Local (needs Java) or the pure-Node dynalite. */
export type DynamoDbEngine = 'auto' | 'dynamodb-local' | 'dynalite';

/** Where the DynamoDB Local 1.25 jar ships: inside the npm package amplify-dynamodb-simulator. */
export function dynamoDbLocalDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

/** The `java` executable: $JAVA_HOME/bin/java, else the first `java` on PATH; undefined if none. */
export function findJava(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    ...(env.JAVA_HOME ? [join(env.JAVA_HOME, 'bin', 'java')] : []),
    ...(env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'java')),
  ];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next one
    }
  }
  return undefined;
}

/**
 * Whether the Java installation of `java` can compile: DynamoDB Local is started through a launcher
 * in Java's source-file mode (see LoopbackDynamoDbLocal.java), which needs the JDK's compiler. A
 * JDK has `javac` beside `java` (after symbolic links are resolved); a bare JRE has not.
 */
export function hasJavaCompiler(java: string): boolean {
  try {
    accessSync(join(dirname(realpathSync(java)), 'javac'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The launcher that binds DynamoDB Local to 127.0.0.1 and puts the loopback guard in front. */
export const LOOPBACK_LAUNCHER = fileURLToPath(
  new URL('./LoopbackDynamoDbLocal.java', import.meta.url),
);

/**
 * The `java` arguments that start DynamoDB Local (in memory, shared DB) on `port` of 127.0.0.1
 * only. DynamoDB Local itself has no bind-address option (`-help` lists -port, -inMemory, -dbPath,
 * -sharedDb, -cors, -delayTransientStatuses, -optimizeDbBeforeStartup, -disableTelemetry), so it
 * is started through {@link LOOPBACK_LAUNCHER}, which sets the host of its Jetty connector.
 */
export function dynamoDbLocalArgs(
  jvmFlags: readonly string[],
  port: number,
  dir: string = dynamoDbLocalDir(),
): string[] {
  return [
    ...jvmFlags,
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    // The jar's manifest Class-Path brings DynamoDBLocal_lib/*.jar (Jetty, the servlet API).
    '-cp',
    join(dir, 'DynamoDBLocal.jar'),
    LOOPBACK_LAUNCHER,
    '-inMemory',
    // One database for every access key and region: tests, scripts and functions share tables.
    '-sharedDb',
    // Telemetry would try to reach the network.
    '-disableTelemetry',
    '-port',
    String(port),
  ];
}

/**
 * JVM flag sets for DynamoDB Local. `fast-start` (tests, short runs): C1 only and the serial GC
 * roughly halve its start on a busy two-core machine, and test workloads are far too small for C2
 * to matter. `throughput` (the long-running local pipeline): full tiered compilation (C2) and the
 * parallel collector. `STREAMLENS_DYNAMODB_JVM` picks one (default `fast-start`).
 */
export const DYNAMODB_JVM_FLAGS = {
  'fast-start': ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData', '-Xss1m'],
  throughput: ['-XX:+UseParallelGC', '-XX:-UsePerfData', '-Xss1m'],
} as const satisfies Record<string, readonly string[]>;

/** Name of a JVM flag set of {@link DYNAMODB_JVM_FLAGS}. */
export type DynamoDbJvmProfile = keyof typeof DYNAMODB_JVM_FLAGS;

/** The flag set named by `STREAMLENS_DYNAMODB_JVM` (`fast-start` when unset or unknown). */
export function jvmProfileFromEnv(env: NodeJS.ProcessEnv = process.env): DynamoDbJvmProfile {
  return env.STREAMLENS_DYNAMODB_JVM === 'throughput' ? 'throughput' : 'fast-start';
}

async function probe(
  endpoint: string,
  env: Readonly<Record<string, string | undefined>>,
  abortIf: () => Error | undefined,
) {
  const client = new DynamoDBClient({
    ...clientOptions({ ...env, AWS_ENDPOINT_URL_DYNAMODB: endpoint }, 'dynamodb'),
    maxAttempts: 1,
  });
  try {
    await waitFor(() => client.send(new ListTablesCommand({})), {
      timeoutMs: 90_000,
      intervalMs: 50,
      retryIf: isNotListeningYet,
      abortIf,
      what: 'DynamoDB ListTables',
    });
  } finally {
    client.destroy();
  }
}

/** A DynamoDB Local process started by {@link spawnDynamoDbLocal}. */
export type DynamoDbLocalProcess = {
  endpoint: string;
  pid: number | undefined;
  stop(): Promise<void>;
};

/**
 * Spawns DynamoDB Local (in memory, shared DB) with the given JVM flags on a free port, listening
 * on 127.0.0.1 only ({@link dynamoDbLocalArgs}), and waits until it answers.
 */
export async function spawnDynamoDbLocal(
  java: string,
  jvmFlags: readonly string[],
  cwd: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<DynamoDbLocalProcess> {
  if (!hasJavaCompiler(java)) {
    throw new StandInStartError(
      'dynamodb',
      `DynamoDB Local is started through a Java source-file launcher that binds it to 127.0.0.1, which needs a JDK; ${java} has no javac beside it (Debian: apt-get install openjdk-17-jdk-headless, or run scripts/setup-machine.sh)`,
    );
  }
  const dir = dynamoDbLocalDir();
  let lastError: unknown;
  // DynamoDB Local cannot listen on port 0: take a free port and retry if another process grabs it
  // between our check and the JVM's bind.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child: ChildProcess = spawn(java, dynamoDbLocalArgs(jvmFlags, port, dir), {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    const watch = watchChild(child, 'dynamodb', 'DynamoDB Local', 4_000);
    try {
      await probe(endpoint, env, watch.abortIf);
    } catch (error) {
      lastError = error;
      await killChild(child);
      if (/already in use|BindException/i.test(watch.output())) continue;
      break;
    }
    // Keep draining the pipes so the JVM never blocks on a full one.
    child.stdout?.resume();
    child.stderr?.resume();
    let stopped = false;
    return {
      endpoint,
      pid: child.pid,
      async stop() {
        if (stopped) return;
        stopped = true;
        await killChild(child, 1_000);
      },
    };
  }
  throw new StandInStartError('dynamodb', 'DynamoDB Local did not start', { cause: lastError });
}

async function startDynamoDbLocal(
  java: string,
  ctx: StandInContext,
  profile: DynamoDbJvmProfile,
): Promise<RunningStandIn> {
  const dd = await spawnDynamoDbLocal(java, DYNAMODB_JVM_FLAGS[profile], ctx.dataDir, ctx.env);
  return {
    endpoint: dd.endpoint,
    env: { AWS_ENDPOINT_URL_DYNAMODB: dd.endpoint, AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dd.endpoint },
    details: { engine: 'DynamoDB Local 1.25', pid: dd.pid, java, jvm: profile },
    stop: () => dd.stop(),
  };
}

// Tables are ACTIVE at once, as with DynamoDB Local.
const DYNALITE_OPTIONS = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 };

/** A dynalite process started by {@link spawnDynalite}. */
export interface DynaliteProcess {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Starts dynalite 4.0 (in memory) in a Node process of its own and waits until it answers.
 *
 * The local pipeline hosts a write-heavy table there. DynamoDB Local runs every write under one
 * global lock and hands each item to a single SQLite thread several times (table info, old item,
 * new item): when the machine's cores are busy, every hand-off waits for a core and its write
 * throughput collapses (measured on 2 cores: the events table took about 700 items/s at 2,000
 * events/s, DynamoDB Local's CPU at 0.7 core). dynalite serves a request on one thread, with no
 * hand-offs. It has no TransactWriteItems, TTL or Streams: only tables whose callers need none of
 * them belong here.
 *
 * dynalite keeps every item in the process's heap (about 5.4 KB per events-table item, measured:
 * 479 MB RSS at 80,097 items). Node's default heap limit (~4 GB) would end a run after ~750,000
 * items, so the heap may use half the machine's memory (at most 16 GiB) unless `maxHeapMiB` says.
 */
export async function spawnDynalite(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: { readonly maxHeapMiB?: number } = {},
): Promise<DynaliteProcess> {
  const maxHeapMiB =
    options.maxHeapMiB ?? Math.min(16_384, Math.floor(totalmem() / 2 / 1024 / 1024));
  const forked = await forkStandIn({
    service: 'dynamodb',
    engine: 'dynalite',
    script: fileURLToPath(new URL('./dynalite-child.cjs', import.meta.url)),
    args: [JSON.stringify(DYNALITE_OPTIONS)],
    execArgv: [`--max-old-space-size=${maxHeapMiB}`],
  });
  try {
    await probe(forked.endpoint, env, () => undefined);
  } catch (error) {
    await forked.stop();
    throw error;
  }
  return { endpoint: forked.endpoint, pid: forked.child.pid ?? 0, stop: () => forked.stop() };
}

async function startDynalite(ctx: StandInContext): Promise<RunningStandIn> {
  const { default: dynalite } = await import('dynalite');
  const server = dynalite(DYNALITE_OPTIONS);
  const endpoint = await listenEphemeral(server);
  await probe(endpoint, ctx.env, () => undefined);
  let stopped = false;
  return {
    endpoint,
    env: { AWS_ENDPOINT_URL_DYNAMODB: endpoint },
    details: { engine: 'dynalite 4.0.0' },
    async stop() {
      if (stopped) return;
      stopped = true;
      await closeHttpServer(server);
    },
  };
}

/** Start DynamoDB with the given engine (`auto`: DynamoDB Local when Java is there, else dynalite). */
export async function startDynamoDb(
  ctx: StandInContext,
  engine: DynamoDbEngine = 'auto',
  jvm: DynamoDbJvmProfile = 'fast-start',
): Promise<RunningStandIn> {
  if (engine === 'dynalite') return startDynalite(ctx);
  const java = findJava();
  if (java && (engine === 'dynamodb-local' || hasJavaCompiler(java))) {
    return startDynamoDbLocal(java, ctx, jvm);
  }
  if (engine === 'dynamodb-local') {
    throw new StandInStartError('dynamodb', 'DynamoDB Local needs Java 17 and no `java` was found');
  }
  ctx.log(
    `WARNING: ${java ? `${java} is a Java runtime without a compiler (javac)` : 'no `java` on PATH or in JAVA_HOME'}: falling back to dynalite, which lacks ` +
      'TransactWriteItems, TTL and Streams and validates less than AWS. Install a Java 17 JDK ' +
      "(openjdk-17-jdk-headless) to run AWS's DynamoDB Local 1.25.",
  );
  return startDynalite(ctx);
}

/** Engine for the registry's DynamoDB plug-in; `STREAMLENS_DYNAMODB_ENGINE` overrides `auto`. */
function engineFromEnv(): DynamoDbEngine {
  const value = process.env.STREAMLENS_DYNAMODB_ENGINE;
  return value === 'dynalite' || value === 'dynamodb-local' ? value : 'auto';
}

/** DynamoDB: DynamoDB Local 1.25 on Java 17 (in memory, shared DB), dynalite without Java. */
export const dynamodbPlugin: StandInPlugin = {
  name: 'dynamodb',
  resourceKeys: ['tables'],
  start: (ctx) => startDynamoDb(ctx, engineFromEnv(), jvmProfileFromEnv()),
  async createResources(spec, { clients }) {
    const created: Record<string, string> = {};
    await Promise.all(
      (spec.tables ?? []).map(async (input) => {
        const name = input.TableName;
        if (!name) throw new ResourceError('a table spec has no TableName');
        try {
          await clients.dynamodb.send(new CreateTableCommand(input));
        } catch (error) {
          if ((error as { name?: string }).name !== 'ResourceInUseException') {
            throw new ResourceError(`cannot create table ${name}`, { cause: error });
          }
        }
        const table = await waitFor(
          async () => {
            const out = await clients.dynamodb.send(new DescribeTableCommand({ TableName: name }));
            const indexesActive = (out.Table?.GlobalSecondaryIndexes ?? []).every(
              (index) => index.IndexStatus === 'ACTIVE',
            );
            return out.Table?.TableStatus === 'ACTIVE' && indexesActive ? out.Table : undefined;
          },
          { timeoutMs: 30_000, what: `table ${name} ACTIVE` },
        );
        created[name] = table.TableArn ?? '';
      }),
    );
    return { tables: created };
  },
};
