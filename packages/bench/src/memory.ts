import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DiscoveredSuite } from './runner.js';

/** Peak resident memory of one implementation on one workload, in a fresh process. */
export interface PeakMemoryResult {
  readonly workload: string;
  readonly name: string;
  readonly kind: string;
  /** RSS after loading modules; after parsing the event; peak after the runs (MiB). */
  readonly afterLoadMiB?: number;
  readonly withEventMiB?: number;
  readonly peakMiB?: number;
  readonly error?: string;
}

const child = fileURLToPath(new URL('./memory-child.ts', import.meta.url));

/**
 * Runs each suite in a child process (`node --import tsx`) on the workload data serialised to a
 * temporary JSON file, and reads `process.resourceUsage().maxRSS` there. The child parses the
 * file like the Lambda runtime parses the invocation payload, so the peak includes the event.
 */
export function measurePeakMemory(
  root: string,
  entries: readonly DiscoveredSuite[],
  runs = 3,
): PeakMemoryResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'streamlens-memory-'));
  const files = new Map<string, string>();
  try {
    return entries.map(({ suite, file }) => {
      const workload = suite.workload.name;
      let dataFile = files.get(workload);
      if (!dataFile) {
        dataFile = join(dir, `${workload}.json`);
        writeFileSync(dataFile, JSON.stringify(suite.workload.data()));
        files.set(workload, dataFile);
      }
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', child, join(root, file), workload, suite.name, dataFile, String(runs)],
        { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 },
      );
      const base = { workload, name: suite.name, kind: suite.kind };
      try {
        const parsed = JSON.parse(result.stdout) as {
          afterLoadKiB?: number;
          withEventKiB?: number;
          peakKiB?: number;
          error?: string;
        };
        if (parsed.error || parsed.peakKiB === undefined) {
          return { ...base, error: parsed.error ?? 'no measurement' };
        }
        return {
          ...base,
          afterLoadMiB: (parsed.afterLoadKiB ?? 0) / 1024,
          withEventMiB: (parsed.withEventKiB ?? 0) / 1024,
          peakMiB: parsed.peakKiB / 1024,
        };
      } catch {
        const line =
          result.stderr.split('\n').find((l) => /Error/.test(l)) ?? `exit ${result.status}`;
        return { ...base, error: line.trim().slice(0, 160) };
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
