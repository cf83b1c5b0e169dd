import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { StandInStartError } from '../errors.js';

// Everything that must not outlive this process: child processes and temp folders. Cleaned up by
// stop(), and as a safety net on process exit and on SIGINT/SIGTERM/SIGHUP. A separate watchdog
// process covers the case no handler can: this process being SIGKILLed.
const children = new Set<ChildProcess>();
const folders = new Set<string>();
let hooksInstalled = false;

function cleanupSync(): void {
  if (watchdog && watchdog.exitCode === null) watchdog.kill('SIGKILL');
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', cleanupSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      cleanupSync();
      // With no other listener, adding ours disabled Node's default "exit on signal": restore it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

/** Kill `child` (and remove it from the safety net) when this process exits. */
export function trackChild(child: ChildProcess): void {
  installHooks();
  children.add(child);
  const pid = child.pid;
  if (pid) killIfParentDies(pid);
  child.once('exit', () => {
    children.delete(child);
    if (pid) forgetPid(pid);
  });
}

/** Remove `folder` (recursively) when this process exits, unless released before. */
export function trackFolder(folder: string): void {
  installHooks();
  folders.add(folder);
  tellWatchdog(`rm ${folder}`);
}

/** Remove `folder` now and forget it. */
export function removeFolder(folder: string): void {
  folders.delete(folder);
  if (watchdog) tellWatchdog(`keep ${folder}`);
  rmSync(folder, { recursive: true, force: true });
}

/** Kill a child process: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function killChild(child: ChildProcess, graceMs = 1_500): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

// One watchdog process per parent: it reads commands on stdin ("kill <pid>", "forget <pid>",
// "rm <dir>", "keep <dir>") and, at EOF, which the kernel delivers when the parent dies however it
// dies (SIGKILL included), kills the pids and removes the folders it still holds.
const WATCHDOG_SCRIPT = `
const { rmSync } = require('node:fs');
const pids = new Set();
const dirs = new Set();
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, newline);
    buffer = buffer.slice(newline + 1);
    const space = line.indexOf(' ');
    const verb = line.slice(0, space);
    const arg = line.slice(space + 1);
    if (verb === 'kill') pids.add(Number(arg));
    else if (verb === 'forget') pids.delete(Number(arg));
    else if (verb === 'rm') dirs.add(arg);
    else if (verb === 'keep') dirs.delete(arg);
  }
});
process.stdin.on('end', () => {
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  for (const dir of dirs) { try { rmSync(dir, { recursive: true, force: true }); } catch {} }
  process.exit(0);
});
`;

let watchdog: ChildProcess | undefined;

function tellWatchdog(line: string): void {
  if (!watchdog) {
    watchdog = spawn(process.execPath, ['-e', WATCHDOG_SCRIPT], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    // The watchdog must not keep this process alive, nor outlive a clean exit.
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    watchdog.stdin?.on('error', () => {});
  }
  watchdog.stdin?.write(`${line}\n`);
}

/** Make sure `pid` is SIGKILLed if this process dies without cleaning up (e.g. SIGKILL). */
export function killIfParentDies(pid: number): void {
  tellWatchdog(`kill ${pid}`);
}

/** Stop watching `pid` (it was stopped cleanly; its number may be reused). */
export function forgetPid(pid: number): void {
  if (watchdog) tellWatchdog(`forget ${pid}`);
}

/** What a started stand-in process has said, and whether it already failed to start. */
export interface ChildWatch {
  /** The tail of its stdout and stderr (the last `keepChars` characters). */
  output(): string;
  /** The spawn error, or a StandInStartError once the process has exited; else undefined. */
  abortIf(): Error | undefined;
}

/**
 * Follows a stand-in's process while it starts: keeps the tail of its output for error messages
 * and gives readiness probes an `abortIf` that stops them as soon as the process is gone.
 *
 * @example
 * const watch = watchChild(child, 'dynamodb', 'DynamoDB Local');
 * await waitFor(ready, { abortIf: watch.abortIf });
 */
export function watchChild(
  child: ChildProcess,
  service: string,
  label: string,
  keepChars = 8_000,
): ChildWatch {
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-keepChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  return {
    output: () => output,
    abortIf: () =>
      spawnError ??
      (child.exitCode !== null || child.signalCode !== null
        ? new StandInStartError(
            service,
            `${label} exited (${child.exitCode ?? child.signalCode}): ${output.trim()}`,
          )
        : undefined),
  };
}
