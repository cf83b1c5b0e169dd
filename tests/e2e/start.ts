// `pnpm start` as the end-to-end tests run it: a child process, its --summary-json read back.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

export interface Summary {
  ok: boolean;
  produced: { valid: number; invalid: number; rejected: number; resent: number; anomalies: number };
  checks: {
    name: string;
    status: 'ok' | 'failed' | 'skipped';
    detail: string;
    expected?: number;
    actual?: number;
  }[];
  chaos: { crashes: number; redeliveries: number; sinkFaults: number };
  notWired: string[];
  functions: {
    name: string;
    mappings: { stream: string; retries: number; functionErrors: number }[];
  }[];
  alertQuality?: {
    found: number;
    missed: number;
    byKind: { kind: string }[];
    meetsTarget: boolean;
  };
  throughput: { lag: { windowsStored: number; eventsMeasured: number; maxMs: number } };
  run: { dynaliteTables: string[] };
  cpu?: {
    events: number;
    rows: { name: string; cpuSeconds: number; perThousandEvents?: number }[];
    total: { cpuSeconds: number; perThousandEvents?: number };
  };
  capacity?: { service: string; writeUnitsPer1000Events: number; hottestKeyShare: number }[];
}

/** Run `pnpm start` (asynchronously: a blocked test worker cannot report to Jest). */
export async function start(
  args: string[],
): Promise<{ code: number | null; summary: Summary; stdout: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'e2e-')), 'summary.json');
  const child = spawn('npx', ['tsx', 'scripts/start.ts', ...args, '--summary-json', file], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) process.stderr.write(`${stdout}\n${stderr}`);
  return { code, summary: JSON.parse(readFileSync(file, 'utf8')) as Summary, stdout };
}

export const checkOf = (s: Summary, prefix: string) =>
  s.checks.find((c) => c.name.startsWith(prefix));
export const statusOf = (s: Summary, prefix: string) => checkOf(s, prefix)?.status;

// Event time runs 20× faster than wall time (10 s windows close every 0.5 s) and two devices
// (10 series) keep each window's series populated, so that the detector, warmed up on 10
// windows (local default detectorWarmupPoints=10), scores within a short run; the allowed
// lateness is 20 event seconds = 1 wall second.
export const COMPRESSED = [
  '--time-scale',
  '20',
  '--devices',
  '2',
  '--anomaly-every',
  '60',
  '--param',
  'allowedLatenessSeconds=20',
];
