import { type ChildProcess, fork } from 'node:child_process';
import { StandInStartError } from '../errors.js';
import { killChild, trackChild } from './processes.js';

/** What {@link forkStandIn} needs: the child script, its arguments and how to run it. */
export interface ForkStandInOptions {
  /** Stand-in name for errors (`kinesis`, `s3`, ...). */
  readonly service: string;
  /** Engine name for error messages (`kinesalite`, `s3rver`, ...). */
  readonly engine: string;
  readonly script: string;
  readonly args?: readonly string[];
  /**
   * Node flags of the child. They replace (not inherit) the parent's: the loaders of a test runner or
   * tsx in the parent are not wanted there unless asked for.
   */
  readonly execArgv?: readonly string[];
  readonly cwd?: string;
  /** Called with each non-empty stderr line of the child, if given. */
  readonly log?: (line: string) => void;
}

/** A started stand-in child: its port (from its `ready` message), the process, how to stop it. */
export interface ForkedStandIn {
  readonly port: number;
  readonly endpoint: string;
  readonly child: ChildProcess;
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Forks a stand-in that reports `{ type: 'ready', port }` (or `{ type: 'error', message }`) over
 * IPC once it listens, and exits when the parent goes. Rejects with `StandInStartError` carrying
 * the end of its stderr when it fails, exits or cannot be forked; the child is killed then.
 */
export async function forkStandIn(opts: ForkStandInOptions): Promise<ForkedStandIn> {
  const child: ChildProcess = fork(opts.script, [...(opts.args ?? [])], {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    execArgv: [...(opts.execArgv ?? [])],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  trackChild(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr = (stderr + text).slice(-4_000);
    if (opts.log) for (const line of text.split('\n')) if (line.trim()) opts.log(line);
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { type?: string; port?: number; message?: string }) => {
      if (message.type === 'ready' && message.port) resolve(message.port);
      else
        reject(
          new StandInStartError(opts.service, `${opts.engine} failed: ${message.message ?? ''}`),
        );
    });
    child.once('error', (error) =>
      reject(new StandInStartError(opts.service, 'fork failed', { cause: error })),
    );
    child.once('exit', (code, signal) =>
      reject(
        new StandInStartError(
          opts.service,
          `${opts.engine} exited (${code ?? signal}): ${stderr.trim()}`,
        ),
      ),
    );
  }).catch(async (error: unknown) => {
    await killChild(child);
    throw error;
  });
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    child,
    stop: (timeoutMs?: number) => killChild(child, timeoutMs),
  };
}
