import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

// Everything that must not outlive this process: child processes and temp folders. Cleaned up by
// stop(), and as a safety net on process exit and on SIGINT/SIGTERM/SIGHUP. A separate watchdog
// process covers the case no handler can: this process being SIGKILLed.
const children = new Set<ChildProcess>();
const folders = new Set<string>();
let hooksInstalled = false;

function cleanupSync(): void {
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
  child.once('exit', () => children.delete(child));
}

/** Remove `folder` (recursively) when this process exits, unless released before. */
export function trackFolder(folder: string): void {
  installHooks();
  folders.add(folder);
}

/** Remove `folder` now and forget it. */
export function removeFolder(folder: string): void {
  folders.delete(folder);
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

// Reads stdin until EOF, which the kernel delivers when the parent dies however it dies, then
// kills the watched process. On a normal stop the parent kills the watchdog first.
const WATCHDOG_SCRIPT = `
const pid = Number(process.argv[1]);
process.stdin.on('data', () => {});
process.stdin.on('end', () => { try { process.kill(pid, 'SIGKILL'); } catch {} process.exit(0); });
process.stdin.resume();
`;

/**
 * Start a watchdog that SIGKILLs `pid` if this process dies without cleaning up (e.g. SIGKILL).
 * Returns a function that dismisses the watchdog (call it after stopping the process yourself).
 */
export function watchOverProcess(pid: number): () => void {
  const watchdog = spawn(process.execPath, ['-e', WATCHDOG_SCRIPT, String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  trackChild(watchdog);
  // The watchdog must not keep this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return () => {
    if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
  };
}
