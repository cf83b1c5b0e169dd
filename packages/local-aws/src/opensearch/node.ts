import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findJava } from '../dynamodb/index.js';
import { StandInStartError } from '../errors.js';
import { assembledHome, rssOf } from '../internal/jvm.js';
import { killChild, trackChild, watchChild } from '../internal/processes.js';
import { waitFor } from '../internal/wait.js';

/** The folder with the node's pom, launcher, config and assembly script. */
const NODE_SOURCES = fileURLToPath(new URL('../../opensearch/', import.meta.url));

/**
 * JVM flags of the node: a small heap (a test node holds a few thousand documents), the serial
 * collector and C1 only, which start a JVM fastest on a busy two-core machine, and the system
 * properties the distribution's jvm.options sets for the same reasons (CLDR-compatible date
 * parsing, no JNDI lookups in log messages, Netty without Unsafe).
 */
export const OPENSEARCH_JVM_FLAGS = [
  '-Xms256m',
  '-Xmx512m',
  '-Xss1m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:-UsePerfData',
  '-Djava.locale.providers=SPI,COMPAT',
  '-Dlog4j2.formatMsgNoLookups=true',
  '-Dlog4j.shutdownHookEnabled=false',
  '-Dlog4j2.disable.jmx=true',
  '-Dio.netty.noUnsafe=true',
  '-Dio.netty.noKeySetOptimization=true',
  '-Dio.netty.recycler.maxCapacityPerThread=0',
] as const;

/**
 * The node's home folder (jars, modules, config, launcher), assembled from Maven Central by
 * `packages/local-aws/opensearch/assemble.sh` if missing or out of date with its inputs; the
 * script does nothing when it is current. `STREAMLENS_OPENSEARCH_HOME` names an assembled home
 * to use as it is.
 */
export async function openSearchHome(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return assembledHome({
    service: 'opensearch',
    label: 'OpenSearch node',
    sources: NODE_SOURCES,
    envVar: 'STREAMLENS_OPENSEARCH_HOME',
    env,
  });
}

/** A running node started by {@link startOpenSearchNode}. */
export interface OpenSearchNode {
  /** `http://127.0.0.1:<port>`, green or yellow. */
  readonly endpoint: string;
  readonly pid: number;
  /** Its data, logs and temp files (the starter's to remove). */
  readonly dataDir: string;
  /** `version.number` of `GET /`. */
  readonly version: string;
  /** Milliseconds from spawn to a green/yellow cluster. */
  readonly startMs: number;
  /** Resident set size of the JVM now, in bytes (Linux; undefined elsewhere). */
  rssBytes(): number | undefined;
  /** SIGTERM (the node closes its indices), SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startOpenSearchNode}. */
export interface OpenSearchNodeOptions {
  /** Folder for the node's data, logs and temp files (the caller removes it). */
  readonly dataDir: string;
  /** Give up after this long (default 90 s: two JVMs starting at once on two cores). */
  readonly timeoutMs?: number;
  readonly log?: (message: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts a real OpenSearch node (docs/local-opensearch.md) on an ephemeral port of 127.0.0.1 with
 * its data in `dataDir`, and resolves once the cluster is green or yellow.
 */
export async function startOpenSearchNode(options: OpenSearchNodeOptions): Promise<OpenSearchNode> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const java = findJava(env);
  if (!java) {
    throw new StandInStartError(
      'opensearch',
      'no java found (JAVA_HOME or PATH); it needs Java 17',
    );
  }
  const home = await openSearchHome(env);
  const dataDir = options.dataDir;
  const logs = join(dataDir, 'logs');
  const tmp = join(dataDir, 'tmp');
  mkdirSync(tmp, { recursive: true });

  const t0 = performance.now();
  const child: ChildProcess = spawn(
    java,
    [
      ...OPENSEARCH_JVM_FLAGS,
      `-Djava.io.tmpdir=${tmp}`,
      '-cp',
      `${join(home, 'lib', '*')}${process.platform === 'win32' ? ';' : ':'}${join(home, 'launcher')}`,
      'LocalNode',
      `path.home=${home}`,
      `path.data=${join(dataDir, 'data')}`,
      `path.logs=${logs}`,
    ],
    // stdin stays an open pipe: the launcher stops the node when it closes (this process died).
    { cwd: dataDir, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  trackChild(child);
  const watch = watchChild(child, 'opensearch', 'the OpenSearch node');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killChild(child, 10_000);
  };

  try {
    const timeoutMs = options.timeoutMs ?? 90_000;
    // The node writes its HTTP address there once it listens (node.portsfile in opensearch.yml).
    const address = await waitFor(
      () => {
        const file = join(logs, 'http.ports');
        return existsSync(file) ? readFileSync(file, 'utf8').split('\n')[0]?.trim() : undefined;
      },
      { timeoutMs, intervalMs: 100, abortIf: watch.abortIf, what: 'the OpenSearch node to listen' },
    );
    const endpoint = `http://${address}`;
    await waitFor(
      async () => {
        const res = await fetch(`${endpoint}/_cluster/health?wait_for_status=yellow&timeout=5s`);
        const body = (await res.json()) as { status?: string };
        return body.status === 'green' || body.status === 'yellow';
      },
      {
        timeoutMs,
        intervalMs: 100,
        abortIf: watch.abortIf,
        what: 'OpenSearch cluster health yellow',
      },
    );
    const info = (await (await fetch(endpoint)).json()) as { version?: { number?: string } };
    const startMs = Math.round(performance.now() - t0);
    // Keep draining the pipes so the JVM never blocks on a full one.
    child.stdout?.resume();
    child.stderr?.resume();
    const pid = child.pid ?? 0;
    log(`OpenSearch ${info.version?.number} node pid ${pid} at ${endpoint} in ${startMs} ms`);
    return {
      endpoint,
      pid,
      dataDir,
      version: info.version?.number ?? 'unknown',
      startMs,
      rssBytes: () => rssOf(pid),
      stop,
    };
  } catch (error) {
    await stop();
    if (error instanceof StandInStartError) throw error;
    throw new StandInStartError(
      'opensearch',
      `the OpenSearch node did not start: ${watch.output().trim()}`,
      {
        cause: error,
      },
    );
  }
}
