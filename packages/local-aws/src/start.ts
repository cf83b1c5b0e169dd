import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseEnv } from './clients.js';
import { connectLocalAws, type LocalAwsConnection } from './connect.js';
import { ServiceUnavailableError, StandInStartError } from './errors.js';
import { removeFolder, trackFolder } from './internal/processes.js';
import { loadPlugin, registeredServices } from './registry.js';
import type { RunningStandIn, ServiceName, StandInEvents, StandInPlugin } from './types.js';

/** Options of `startLocalAws`. */
export interface StartLocalAwsOptions {
  /** Stand-ins to start (default: every registered one). Dependencies are added. */
  readonly services?: readonly ServiceName[];
  /** Root folder for the stand-ins' data. Default: a fresh temp folder, removed on stop. A folder
   * given here is kept on stop (the caller owns it). */
  readonly dataDir?: string;
  /**
   * The run's folder, where stand-ins may write files for the caller (SNS `file` subscriptions
   * deliver only below it). Default: the data root (`dataDir` or the temp folder).
   */
  readonly runDir?: string;
  /** Region exported as AWS_REGION (default us-east-1). */
  readonly region?: string;
  /** No log lines (the dynalite fallback warning is still printed). */
  readonly quiet?: boolean;
  /** Where log lines go (default stderr). */
  readonly log?: (line: string) => void;
  /**
   * Stand-ins already running (e.g. started by another `startLocalAws` call), by name, with their
   * env: a plug-in that depends on one gets this env instead of a second instance being started.
   */
  readonly running?: Partial<Record<ServiceName, Readonly<Record<string, string>>>>;
}

/** Running stand-ins: a connection plus what only the starter has. */
export interface LocalAws extends LocalAwsConnection {
  /** Milliseconds from start to a successful readiness API call, per stand-in. */
  readonly timings: Partial<Record<ServiceName, number>>;
  /** What each stand-in reported (engine, pid, ...). */
  readonly details: Partial<Record<ServiceName, Readonly<Record<string, unknown>>>>;
  /** Stop every stand-in, kill their processes, remove the temp folder. Idempotent. */
  stop(): Promise<void>;
  /**
   * The notifications of a stand-in started here (S3: object created/removed events), or
   * undefined when it does not emit any or was not started by this call.
   */
  events(service: ServiceName): StandInEvents | undefined;
}

async function resolvePlugins(
  names: readonly ServiceName[],
  external: ReadonlySet<ServiceName> = new Set(),
): Promise<StandInPlugin[]> {
  const resolved = new Map<ServiceName, StandInPlugin>();
  const visit = async (name: ServiceName, path: ServiceName[]): Promise<void> => {
    if (resolved.has(name)) return;
    if (external.has(name) && path.length > 0) return;
    if (path.includes(name)) {
      throw new ServiceUnavailableError(
        `stand-in dependency cycle: ${[...path, name].join(' → ')}`,
      );
    }
    const plugin = await loadPlugin(name);
    if (!plugin) {
      throw new ServiceUnavailableError(
        `no stand-in registered for "${name}" (registered: ${registeredServices().join(', ')})`,
      );
    }
    for (const dependency of plugin.dependsOn ?? []) await visit(dependency, [...path, name]);
    resolved.set(name, plugin);
  };
  for (const name of names) await visit(name, []);
  return [...resolved.values()];
}

/**
 * Start local stand-ins of the AWS services on ephemeral ports of 127.0.0.1, with data in a temp
 * folder, and return their endpoints, env, clients and helpers. Stand-ins start in parallel (a
 * plug-in's `dependsOn` waits for those first). If one fails, the others are stopped.
 * @example
 * const aws = await startLocalAws({ services: ['kinesis', 'dynamodb'] });
 * try {
 *   await aws.createResources({ streams: [{ name: 'events', shardCount: 2 }] });
 *   Object.assign(process.env, aws.env);
 * } finally {
 *   await aws.stop();
 * }
 */
export async function startLocalAws(options: StartLocalAwsOptions = {}): Promise<LocalAws> {
  const region = options.region ?? 'us-east-1';
  const write = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const external = options.running ?? {};
  const plugins = await resolvePlugins(
    options.services ?? registeredServices(),
    new Set(Object.keys(external) as ServiceName[]),
  );
  const ownsRoot = options.dataDir === undefined;
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'streamlens-local-aws-'));
  if (ownsRoot) trackFolder(root);

  const running = new Map<ServiceName, RunningStandIn>();
  const timings: Partial<Record<ServiceName, number>> = {};
  const details: Partial<Record<ServiceName, Readonly<Record<string, unknown>>>> = {};
  const started = new Map<ServiceName, Promise<RunningStandIn>>();
  const base = baseEnv(region);

  const startOne = (plugin: StandInPlugin): Promise<RunningStandIn> => {
    let promise = started.get(plugin.name);
    if (promise) return promise;
    promise = (async () => {
      const dependencies = await Promise.all(
        (plugin.dependsOn ?? []).map((name) => {
          const given = external[name];
          if (given && !plugins.some((p) => p.name === name)) return { env: given };
          const dependency = plugins.find((p) => p.name === name);
          if (!dependency) throw new ServiceUnavailableError(`missing dependency ${name}`);
          return startOne(dependency);
        }),
      );
      const dataDir = join(root, plugin.name);
      mkdirSync(dataDir, { recursive: true });
      const t0 = performance.now();
      const standIn = await plugin.start({
        name: plugin.name,
        dataDir,
        runDir: options.runDir ?? root,
        region,
        env: Object.assign({}, base, ...dependencies.map((d) => d.env)),
        log: (message) => {
          if (!options.quiet || message.startsWith('WARNING'))
            write(`[local-aws:${plugin.name}] ${message}`);
        },
      });
      running.set(plugin.name, standIn);
      timings[plugin.name] = Math.round(performance.now() - t0);
      if (standIn.details) details[plugin.name] = standIn.details;
      return standIn;
    })();
    started.set(plugin.name, promise);
    return promise;
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    connection.close();
    const errors: unknown[] = [];
    await Promise.all(
      [...running.values()].map((standIn) => standIn.stop().catch((e: unknown) => errors.push(e))),
    );
    running.clear();
    if (ownsRoot) removeFolder(root);
    if (errors.length > 0) throw new AggregateError(errors, 'some stand-ins failed to stop');
  };

  let connection = connectLocalAws(base);
  const results = await Promise.allSettled(plugins.map(startOne));
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    await stop().catch(() => {});
    const first = failures[0]?.reason;
    throw first instanceof StandInStartError
      ? first
      : new StandInStartError('local-aws', 'a stand-in failed to start', { cause: first });
  }

  const env: Record<string, string> = Object.assign(
    {},
    base,
    ...plugins.map((p) => running.get(p.name)?.env ?? {}),
  );
  connection = connectLocalAws(env);
  if (!options.quiet) {
    const summary = plugins
      .map((p) => `${p.name} ${running.get(p.name)?.endpoint} (${timings[p.name]} ms)`)
      .join(', ');
    write(`[local-aws] ready: ${summary}`);
  }
  const events = (service: ServiceName) => running.get(service)?.events;
  return { ...connection, timings, details, stop, events };
}
