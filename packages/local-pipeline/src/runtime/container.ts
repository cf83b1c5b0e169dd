import { createHash, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build, type Plugin } from 'esbuild';
import { FunctionRuntimeError } from '../errors.js';

/** What a container needs to run one function. */
export interface ContainerOptions {
  /** Deployed function name (context.functionName). */
  readonly functionName: string;
  readonly functionArn: string;
  /** Handler source module (TypeScript or JavaScript), bundled with esbuild like the deployment. */
  readonly entry: string;
  readonly exportName: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** The function's environment (its worker's `process.env`: nothing leaks between functions). */
  readonly environment: Readonly<Record<string, string>>;
  /** Folder for the bundle. */
  readonly workDir: string;
  /** Function output lines (stdout/stderr of the handler): `undefined` discards them. */
  readonly onLog?: (line: string) => void;
  /**
   * Chaos: probability that the runtime crashes after the handler ran and before its response
   * reaches the caller (side effects happened, the caller sees `Runtime.ExitError`, the container
   * is replaced). Tests idempotency under redelivery.
   */
  readonly crashProbability?: number;
  readonly random?: () => number;
}

/** The outcome of one invocation, as the Lambda service reports it to an event source. */
interface WorkerAnswer {
  ok: boolean;
  value?: unknown;
  errorType?: string;
  errorMessage?: string;
}

export type InvokeOutcome =
  | { readonly ok: true; readonly value: unknown; readonly durationMs: number }
  | {
      readonly ok: false;
      readonly errorType: string;
      readonly errorMessage: string;
      readonly durationMs: number;
    };

// Runs inside the worker: plain CommonJS (no TypeScript loader there), loads the bundle once (the
// cold start) and serves invocations one at a time, like a Lambda execution environment.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let handler;
let initError;
try {
  const mod = require(workerData.bundle);
  handler = mod[workerData.exportName] ?? (mod.default && mod.default[workerData.exportName]);
  if (typeof handler !== 'function') initError = { errorType: 'Runtime.HandlerNotFound', errorMessage: workerData.exportName + ' is not a function' };
} catch (e) {
  initError = { errorType: 'Runtime.ImportModuleError', errorMessage: String(e && e.stack || e) };
}
// The thread's kernel id, so that the harness can read this container's CPU time
// (/proc/<pid>/task/<tid>/stat); absent off Linux.
let thread;
try { thread = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()) || undefined; } catch { thread = undefined; /* no /proc: the CPU report has no row for this container */ }
parentPort.postMessage({ ready: true, thread });
parentPort.on('message', async (msg) => {
  if (initError) { parentPort.postMessage({ id: msg.id, ok: false, ...initError }); return; }
  const context = {
    functionName: workerData.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: String(workerData.memorySize),
    awsRequestId: msg.requestId,
    logGroupName: '/aws/lambda/' + workerData.functionName,
    logStreamName: 'local/[$LATEST]' + workerData.containerId,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, msg.deadline - Date.now()),
    done() {}, fail() {}, succeed() {},
  };
  try {
    const value = await handler(msg.event, context);
    parentPort.postMessage({ id: msg.id, ok: true, value: value === undefined ? null : value });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, ok: false, errorType: (e && e.name) || 'Error', errorMessage: String((e && e.message) || e) });
  }
});
`;

const bundles = new Map<string, Promise<string>>();

/** Forget the bundles built by this process (the on-disk cache stays); for tests. */
export function forgetBundles(): void {
  bundles.clear();
}

/** Bump when the esbuild options below change: cached bundles of older options are not reused. */
const BUNDLE_FORMAT = 'cjs-node20-linked-v3';

/**
 * Packages a bundle loads from where they are installed instead of holding them: @platformatic/kafka
 * (the feed's Kafka producer with `--ingest kafka`) reads its WebAssembly binary next to its own
 * module through `import.meta.url`, which a CommonJS bundle does not have. Node 20.19+ requires
 * the ES module from the bundle.
 */
const UNBUNDLED = ['@platformatic/kafka'];

const unbundled: Plugin = {
  name: 'unbundled',
  setup(b) {
    const filter = new RegExp(`^(${UNBUNDLED.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
    b.onResolve({ filter }, (args) => ({
      path: createRequire(import.meta.url).resolve(args.path),
      external: true,
    }));
  },
};

/** sha256 of a file's bytes, or undefined when it cannot be read (deleted since). */
function fileHash(path: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

/**
 * A cached bundle of `entry` in `workDir` whose every input file still has the content it had
 * when it was bundled (sha256 per input, recorded from esbuild's metafile), else undefined.
 */
function cachedBundle(manifestPath: string): string | undefined {
  if (!existsSync(manifestPath)) return undefined;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      format?: string;
      bundle?: string;
      inputs?: Record<string, string>;
    };
    if (manifest.format !== BUNDLE_FORMAT || !manifest.bundle || !manifest.inputs) return undefined;
    if (!existsSync(manifest.bundle)) return undefined;
    for (const [path, hash] of Object.entries(manifest.inputs)) {
      if (fileHash(path) !== hash) return undefined;
    }
    return manifest.bundle;
  } catch {
    return undefined;
  }
}

/** Remove this entry's bundles older than an hour (a run still starting may use a recent one). */
function pruneBundles(workDir: string, key: string, keep: string): void {
  const cutoff = Date.now() - 3_600_000;
  for (const name of readdirSync(workDir)) {
    const path = join(workDir, name);
    if (!name.startsWith(`${key}-`) || path === keep || path === `${keep}.map`) continue;
    try {
      if (statSync(path).mtimeMs < cutoff) unlinkSync(path);
    } catch {
      // gone already
    }
  }
}

/**
 * Bundle a handler module to one CommonJS file (what serverless-esbuild deploys), once per entry
 * and process. Bundles are cached in `workDir` by the content of every input file (esbuild's
 * metafile lists them), so a second `pnpm start` with unchanged sources bundles nothing.
 */
export function bundleHandler(entry: string, workDir: string): Promise<string> {
  let promise = bundles.get(`${entry}|${workDir}`);
  if (!promise) {
    promise = (async () => {
      mkdirSync(workDir, { recursive: true });
      const key = createHash('sha256')
        .update(`${BUNDLE_FORMAT}|${entry}`)
        .digest('hex')
        .slice(0, 24);
      const manifestPath = join(workDir, `${key}.json`);
      const cached = cachedBundle(manifestPath);
      if (cached) return cached;
      // A fresh name per build: a worker may still hold an older bundle of the same entry.
      const outfile = join(workDir, `${key}-${randomUUID().slice(0, 8)}.cjs`);
      const result = await build({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        outfile,
        // Linked, not inline: an inline map doubles what every cold start parses.
        sourcemap: 'linked',
        metafile: true,
        logLevel: 'silent',
        plugins: [unbundled],
      }).catch((error: unknown) => {
        throw new FunctionRuntimeError(`cannot bundle ${entry}`, { cause: error });
      });
      const inputs: Record<string, string> = {};
      const base = process.cwd();
      for (const input of Object.keys(result.metafile?.inputs ?? {})) {
        const path = isAbsolute(input) ? input : resolve(base, input);
        const hash = fileHash(path);
        if (hash) inputs[path] = hash;
      }
      pruneBundles(workDir, key, outfile);
      const tmp = `${manifestPath}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ format: BUNDLE_FORMAT, entry, bundle: outfile, inputs }));
      renameSync(tmp, manifestPath);
      return outfile;
    })();
    bundles.set(`${entry}|${workDir}`, promise);
  }
  return promise;
}

/**
 * One Lambda execution environment for a function: a worker thread with the function's own
 * `process.env`, its module loaded once and reused across invocations, one invocation at a time,
 * the function timeout enforced (a timed-out container is replaced, as Lambda does).
 */
export class FunctionContainer {
  private worker: Worker | undefined;
  /** Invocations awaiting an answer, per worker (an old worker's exit must not fail a new one's). */
  private readonly pendingByWorker = new WeakMap<
    Worker,
    Map<number, (result: WorkerAnswer) => void>
  >();
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  /** Invocations run, cold starts, crashes injected. */
  readonly stats = {
    invocations: 0,
    coldStarts: 0,
    errors: 0,
    crashes: 0,
    timeouts: 0,
    /** Time spent in invocations (ms): processed records / busyMs is the function's throughput. */
    busyMs: 0,
  };

  /** Kernel thread ids of this container's workers, the replaced ones included (for CPU time). */
  readonly threadIds: number[] = [];

  constructor(private readonly options: ContainerOptions) {}

  private async ensureWorker(): Promise<Worker> {
    if (this.worker) return this.worker;
    const bundle = await bundleHandler(this.options.entry, this.options.workDir);
    const containerId = randomUUID().replaceAll('-', '');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      env: {
        ...this.options.environment,
        AWS_LAMBDA_FUNCTION_NAME: this.options.functionName,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(this.options.memorySize),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${this.options.functionName}`,
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      },
      workerData: {
        bundle,
        exportName: this.options.exportName,
        functionName: this.options.functionName,
        functionArn: this.options.functionArn,
        memorySize: this.options.memorySize,
        containerId,
      },
      stdout: true,
      stderr: true,
    });
    const onLog = this.options.onLog;
    for (const stream of [worker.stdout, worker.stderr]) {
      let rest = '';
      stream.on('data', (chunk: Buffer) => {
        if (!onLog) return;
        const text = rest + chunk.toString('utf8');
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line.length > 0) onLog(line);
      });
    }
    const pending = new Map<number, (result: WorkerAnswer) => void>();
    this.pendingByWorker.set(worker, pending);
    // The init phase (module load) is not part of an invocation's timeout, as on Lambda.
    const ready = new Promise<void>((resolve) => {
      worker.once('message', (msg: { thread?: number }) => {
        if (msg.thread) this.threadIds.push(msg.thread);
        resolve();
      });
      worker.once('exit', () => resolve());
    });
    worker.on('message', (msg: WorkerAnswer & { id: number }) => {
      const resolve = pending.get(msg.id);
      pending.delete(msg.id);
      resolve?.(msg);
    });
    const fail = (errorType: string, errorMessage: string) => {
      for (const [id, resolve] of pending) {
        pending.delete(id);
        resolve({ ok: false, errorType, errorMessage });
      }
      if (this.worker === worker) this.worker = undefined;
    };
    worker.on('error', (error) => fail('Runtime.UnhandledError', String(error?.stack ?? error)));
    worker.on('exit', (code) => fail('Runtime.ExitError', `container exited with code ${code}`));
    this.worker = worker;
    this.stats.coldStarts++;
    await ready;
    return worker;
  }

  /** Bundle and load the handler now (the init phase), so that the first invocation is not a cold start. */
  async warm(): Promise<void> {
    await this.ensureWorker();
  }

  /** Invoke the handler with `event` (one at a time per container); never throws. */
  invoke(event: unknown): Promise<InvokeOutcome> {
    const run = this.queue.then(() => this.invokeNow(event));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async invokeNow(event: unknown): Promise<InvokeOutcome> {
    const started = performance.now();
    this.stats.invocations++;
    let worker: Worker;
    try {
      worker = await this.ensureWorker();
    } catch (error) {
      this.stats.errors++;
      return {
        ok: false,
        errorType: 'Runtime.ImportModuleError',
        errorMessage: String((error as Error)?.message ?? error),
        durationMs: performance.now() - started,
      };
    }
    const id = this.nextId++;
    const timeoutMs = this.options.timeoutSeconds * 1000;
    const pending = this.pendingByWorker.get(worker) as Map<number, (r: WorkerAnswer) => void>;
    const result = await new Promise<WorkerAnswer>((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        this.stats.timeouts++;
        resolve({
          ok: false,
          errorType: 'Sandbox.Timedout',
          errorMessage: `Task timed out after ${this.options.timeoutSeconds.toFixed(2)} seconds`,
        });
        void this.replace();
      }, timeoutMs);
      pending.set(id, (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      worker.postMessage({ id, requestId: randomUUID(), deadline: Date.now() + timeoutMs, event });
    });
    const durationMs = performance.now() - started;
    this.stats.busyMs += Math.round(durationMs);
    const random = this.options.random ?? Math.random;
    if (
      result.ok &&
      (this.options.crashProbability ?? 0) > 0 &&
      random() < (this.options.crashProbability ?? 0)
    ) {
      this.stats.crashes++;
      this.stats.errors++;
      await this.replace();
      return {
        ok: false,
        errorType: 'Runtime.ExitError',
        errorMessage: 'chaos: the runtime crashed before responding',
        durationMs,
      };
    }
    if (!result.ok) {
      this.stats.errors++;
      return {
        ok: false,
        errorType: result.errorType ?? 'Error',
        errorMessage: result.errorMessage ?? '',
        durationMs,
      };
    }
    return { ok: true, value: result.value, durationMs };
  }

  /** Throw the environment away (the next invocation is a cold start). */
  private async replace(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  /** Stop the container. */
  async stop(): Promise<void> {
    await this.replace();
  }
}
