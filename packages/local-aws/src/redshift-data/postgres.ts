import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StandInStartError } from '../errors.js';
import { freePort } from '../internal/net.js';
import { killChild, removeFolder, trackChild, trackFolder } from '../internal/processes.js';

const execFileAsync = promisify(execFile);

/** Where Debian puts the PostgreSQL 15 server binaries (scripts/setup-machine.sh installs postgresql-15). */
export const PG_BIN = process.env.STREAMLENS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * The role statements run as: LOGIN, owner of the databases it works in, and nothing more (no
 * superuser, no CREATEROLE/CREATEDB, none of the pg_read_server_files / pg_write_server_files /
 * pg_execute_server_program roles), so SQL sent to the stand-in cannot reach the machine's files or
 * run programs.
 */
export const STATEMENT_ROLE = 'streamlens';

/** A private PostgreSQL 15 server on 127.0.0.1. */
export interface PostgresServer {
  readonly port: number;
  readonly pid: number | undefined;
  readonly dataDir: string;
  /**
   * The superuser's way in: the Unix socket folder (mode 0700, this process's user or root only),
   * where `postgres` connects without a password. TCP accepts passwords only (scram-sha-256).
   */
  readonly adminSocketDir: string;
  /** The unprivileged {@link STATEMENT_ROLE} and its password (random per server), for TCP. */
  readonly statementUser: { readonly user: string; readonly password: string };
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
 * initdb into a fresh temp folder and start `postgres` on an ephemeral port of 127.0.0.1 (durability
 * off: this is a test database), then create the unprivileged {@link STATEMENT_ROLE}. Connections:
 * the superuser only through the private Unix socket; TCP only with a password (scram-sha-256).
 * Stopped and removed by `stop()` or, as a safety net, on exit.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const user = await postgresUser();
  const root = mkdtempSync(join(tmpdir(), 'streamlens-pg-'));
  trackFolder(root);
  if (user) chownSync(root, user.uid, user.gid);
  const dataDir = join(root, 'data');
  const env = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', PGTZ: 'UTC' };
  // initdb wants a superuser password when host connections need one; nobody uses it (the
  // superuser comes in through the socket), so it is random and its file removed at once.
  const pwfile = join(root, 'superuser-password');
  writeFileSync(pwfile, randomBytes(24).toString('hex'), { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  try {
    await execFileAsync(
      join(PG_BIN, 'initdb'),
      [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        `--pwfile=${pwfile}`,
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '-N',
      ],
      { env, ...(user ?? {}), cwd: root },
    );
  } catch (error) {
    removeFolder(root);
    throw new StandInStartError('redshift', `initdb failed: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    rmSync(pwfile, { force: true });
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
  const statementUser = { user: STATEMENT_ROLE, password: randomBytes(24).toString('hex') };
  try {
    await waitReady(port, child, () => stderr);
    await createStatementRole(root, port, statementUser.password);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, pid: child.pid, dataDir, adminSocketDir: root, statementUser, stop };
}

async function createStatementRole(socketDir: string, port: number, password: string) {
  const { default: pg } = await import('pg');
  const admin = new pg.Pool({
    host: socketDir,
    port,
    user: 'postgres',
    database: 'postgres',
    max: 1,
  });
  admin.on('error', () => {});
  try {
    // The password is hex, so quoting it in the statement is safe (ALTER/CREATE ROLE take no $n).
    await admin.query(
      `CREATE ROLE ${STATEMENT_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '${password}'`,
    );
  } finally {
    await admin.end();
  }
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
