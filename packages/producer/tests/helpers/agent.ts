import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentSink } from '../../src/index.js';

/** Collects what an agent sends; `failNext(n)` makes the next n puts reject. */
export class MemorySink implements AgentSink {
  readonly records: { data: string; partitionKey: string }[] = [];
  private failures = 0;
  puts = 0;
  failNext(n: number): void {
    this.failures = n;
  }
  async put(r: { data: string; partitionKey: string }): Promise<unknown> {
    this.puts++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('sink unavailable');
    }
    this.records.push(r);
    return {};
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  lines(): string[] {
    return this.records.map((r) => r.data);
  }
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'streamlens-agent-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const lines = (from: number, to: number, prefix = 'line') =>
  Array.from({ length: to - from }, (_, i) => `${prefix}-${from + i}`);
