import type { DueGroup, QueryStore, StoredGroup } from '../../src/query/durable.js';

export class Outage extends Error {}

/** The state table as a Map, with conditional versions; `fail()` decides when a call fails. */
export class MemoryQueryStore implements QueryStore {
  readonly groups = new Map<string, StoredGroup>();
  readonly due = new Map<string, DueGroup & { version: number }>();
  fail: () => boolean = () => false;
  /** How many turns a call takes (0–11): concurrent callers interleave at random between calls. */
  turns: () => number = () => 1;

  /** Runs once, just before the next group write is decided (a concurrent writer's turn). */
  beforePut: (() => Promise<void>) | undefined;

  private async step(): Promise<void> {
    for (let i = this.turns(); i >= 0; i--) await Promise.resolve();
    if (this.fail()) throw new Outage('store unavailable');
  }

  async getGroup(query: string, key: string) {
    await this.step();
    const g = this.groups.get(`${query}\u0000${key}`);
    return g === undefined ? undefined : structuredClone(g);
  }

  async putGroup(query: string, key: string, g: StoredGroup) {
    await this.step();
    const hook = this.beforePut;
    this.beforePut = undefined;
    await hook?.();
    const id = `${query}\u0000${key}`;
    if ((this.groups.get(id)?.version ?? 0) !== g.version - 1) return 'conflict' as const;
    this.groups.set(id, structuredClone(g));
    return 'ok' as const;
  }

  async markDue(query: string, key: string, due: DueGroup & { version: number }) {
    await this.step();
    const id = `${query}\u0000${key}`;
    const prev = this.due.get(id);
    if (prev === undefined || prev.version < due.version) this.due.set(id, { ...due });
  }

  async clearDue(query: string, key: string, version: number) {
    await this.step();
    const id = `${query}\u0000${key}`;
    const prev = this.due.get(id);
    if (prev !== undefined && (version === 0 || prev.version <= version)) this.due.delete(id);
  }

  async dueGroups(query: string, watermarkMs: number, limit: number) {
    await this.step();
    return [...this.due.entries()]
      .filter(([id, d]) => id.startsWith(`${query}\u0000`) && d.dueMs <= watermarkMs)
      .slice(0, limit)
      .map(([, d]) => ({ key: d.key, dueMs: d.dueMs, at: d.at }));
  }
}
