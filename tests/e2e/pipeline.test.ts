// End to end: `pnpm start` for a short run, as a newcomer runs it, then its reconciliation.
// The pipeline starts its own stand-ins (the integration global setup's are not used).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

interface Summary {
  ok: boolean;
  produced: { valid: number; invalid: number; rejected: number; anomalies: number };
  checks: { name: string; status: 'ok' | 'failed' | 'skipped'; detail: string }[];
  chaos: { crashes: number; redeliveries: number; sinkFaults: number };
}

/** Run `pnpm start` (asynchronously: a blocked test worker cannot report to Vitest). */
async function start(
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

const statusOf = (s: Summary, prefix: string) =>
  s.checks.find((c) => c.name.startsWith(prefix))?.status;

describe('pnpm start (local pipeline, end to end)', () => {
  it('accounts for every produced event in every wired sink', { timeout: 420_000 }, async () => {
    // Act
    const { code, summary, stdout } = await start([
      '--rate',
      '150',
      '--duration',
      '20',
      '--seed',
      '3',
    ]);
    // Assess
    expect(code).toBe(0);
    expect(summary.ok).toBe(true);
    expect(summary.produced.valid).toBeGreaterThan(1_500);
    expect(summary.produced.rejected).toBe(0);
    expect(statusOf(summary, 'lake: every valid')).toBe('ok');
    expect(statusOf(summary, 'lake: every invalid')).toBe('ok');
    expect(statusOf(summary, 'events table')).toBe('ok');
    expect(summary.checks.every((c) => c.status !== 'failed')).toBe(true);
    // Alerts are checked against the injected anomalies once anomaly-alerts is wired.
    expect(['ok', 'skipped']).toContain(statusOf(summary, 'alerts'));
    expect(stdout).toContain('reconciliation: OK');
  });

  it('still reconciles exactly under chaos (crashes before responding, redeliveries, sink throttling)', {
    timeout: 420_000,
  }, async () => {
    // Act
    const { code, summary } = await start([
      '--rate',
      '150',
      '--duration',
      '20',
      '--seed',
      '4',
      '--chaos',
    ]);
    // Assess
    expect(summary.chaos.crashes + summary.chaos.redeliveries).toBeGreaterThan(0);
    expect(summary.chaos.sinkFaults).toBeGreaterThan(0);
    expect(code).toBe(0);
    expect(summary.ok).toBe(true);
    expect(statusOf(summary, 'lake: every valid')).toBe('ok');
    expect(statusOf(summary, 'events table')).toBe('ok');
  });
});
