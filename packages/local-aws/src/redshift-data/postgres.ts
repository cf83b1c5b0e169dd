import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StandInStartError } from '../errors.js';
import { freePort } from '../internal/net.js';
import { killChild, removeFolder, trackChild, trackFolder } from '../internal/processes.js';

const execFileAsync = promisify(execFile);

/** Where Debian puts the PostgreSQL 15 server binaries (scripts/setup-machine.sh installs postgresql-15). */
export const PG_BIN = process.env.STREAMLENS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A private PostgreSQL 15 server on 127.0.0.1. */
export interface PostgresServer {
  readonly port: number;
  readonly pid: number | undefined;
  readonly dataDir: string;
  stop(): Promise<void>;
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  // PostgreSQL refuses to run as root: run it as `postgres` (spawn's uid/gid, so the child we track
  // is the postmaster itself and killing it needs no runuser in between).
  if (process.getuid?.() !== 0) return undefined;
  const [uid, gid] = await Promise.all([
    execFileAsync('id', ['-u', 'postgres']),
    execFileAsync('id', ['-g', 'postgres']),
  ]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * initdb into a fresh temp folder and start `postgres` on an ephemeral port (trust auth, durability
 * off: this is a test database). Stopped and removed by `stop()` or, as a safety net, on exit.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const user = await postgresUser();
  const root = mkdtempSync(join(tmpdir(), 'streamlens-pg-'));
  trackFolder(root);
  if (user) chownSync(root, user.uid, user.gid);
  const dataDir = join(root, 'data');
  const env = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', PGTZ: 'UTC' };
  try {
    await execFileAsync(
      join(PG_BIN, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '-N'],
      { env, ...(user ?? {}), cwd: root },
    );
  } catch (error) {
    removeFolder(root);
    throw new StandInStartError('redshift', `initdb failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(PG_BIN, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-k',
      root,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'timezone=UTC',
      '-c',
      'max_connections=50',
    ],
    { env, ...(user ?? {}), cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  trackChild(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const stop = async () => {
    // SIGINT = fast shutdown: backends are terminated, the postmaster exits.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT');
      const timer = setTimeout(() => void killChild(child, 500), 3_000);
      await exited;
      clearTimeout(timer);
    }
    removeFolder(root);
  };
  try {
    await waitReady(port, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, pid: child.pid, dataDir, stop };
}

async function waitReady(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new StandInStartError('redshift', `postgres exited: ${stderr().trim()}`);
    }
    try {
      await execFileAsync(join(PG_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]);
      return;
    } catch {
      if (Date.now() > deadline) {
        throw new StandInStartError('redshift', `postgres not ready: ${stderr().trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
