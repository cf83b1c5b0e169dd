import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type BenchKind, type BenchSuite, isBenchSuite } from './define.js';
import { type SampleStats, summarize } from './stats.js';
import type { Workload } from './workloads.js';

/** A suite with the file it came from. */
export interface DiscoveredSuite {
  readonly suite: BenchSuite;
  /** Path relative to the repository root. */
  readonly file: string;
}

/**
 * Lists `packages/*\/bench/*.bench.ts` and `services/*\/bench/*.bench.ts` under `root`, sorted.
 */
export function findBenchFiles(root: string): string[] {
  const files: string[] = [];
  for (const group of ['packages', 'services']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const benchDir = join(dir, name, 'bench');
      if (!existsSync(benchDir)) continue;
      for (const file of readdirSync(benchDir).sort()) {
        if (file.endsWith('.bench.ts')) files.push(join(benchDir, file));
      }
    }
  }
  return files;
}

/** Collects suites from a module's exports (a suite, or an array of them, per export). */
export function suitesOf(module: Record<string, unknown>): BenchSuite[] {
  const out: BenchSuite[] = [];
  for (const value of Object.values(module)) {
    if (isBenchSuite(value)) out.push(value);
    else if (Array.isArray(value)) for (const item of value) if (isBenchSuite(item)) out.push(item);
  }
  return out;
}

/** Imports every bench file; a file that fails to import is reported, not fatal. */
export async function discoverSuites(
  root: string,
): Promise<{ suites: DiscoveredSuite[]; errors: Array<{ file: string; error: string }> }> {
  const suites: DiscoveredSuite[] = [];
  const errors: Array<{ file: string; error: string }> = [];
  for (const path of findBenchFiles(root)) {
    const file = relative(root, path);
    try {
      const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      for (const suite of suitesOf(module)) suites.push({ suite, file });
    } catch (error) {
      errors.push({ file, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { suites, errors };
}

/** How many samples to take. */
export interface RunOptions {
  readonly warmup: number;
  readonly iterations: number;
  /** An implementation stops being sampled once it has used this much time and has `minSamples`. */
  readonly budgetMs: number;
  readonly minSamples: number;
  /** Quick runs: an implementation whose first run exceeds this keeps that run as its only sample. */
  readonly slowMs?: number;
  /**
   * Pause after the forced collection before each sample: V8 finishes sweeping and releasing
   * memory on helper threads after `gc()` returns, and on two cores those threads would run
   * against the sample being measured (the implementation after one with much garbage paid for
   * it). Same pause for every implementation. Default 0.
   */
  readonly settleMs?: number;
  /** Called with progress lines. */
  readonly log?: (line: string) => void;
}

/** One implementation's result on one workload. */
export interface ImplementationResult {
  readonly name: string;
  readonly kind: BenchKind;
  readonly file: string;
  readonly notes: string[];
  readonly samplesMs: number[];
  readonly stats?: SampleStats;
  /** Set when setup or run threw: the implementation has no samples. */
  readonly error?: string;
}

/** All implementations of one workload. */
export interface WorkloadResult {
  readonly workload: string;
  readonly description: string;
  readonly events: number;
  readonly bytes?: number;
  readonly buildMs: number;
  readonly implementations: ImplementationResult[];
}

function gcFunction(): () => void {
  // Collecting between samples keeps one implementation's garbage from being billed to the next.
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc === 'function') return gc as () => void;
  } catch {
    // Fall through: sampling still works without it, only noisier.
  }
  return () => undefined;
}

const KIND_ORDER: Record<BenchKind, number> = { floor: 0, streamlens: 1, peer: 2 };

/**
 * The order of the implementations in round `round`: a permutation of 0..n-1 shuffled with a
 * seed derived from the round (repeatable), so that no implementation always runs right after
 * the same other one (a fixed rotation keeps predecessors fixed, and with them the garbage and
 * cache state each sample inherits).
 */
export function roundOrder(n: number, round: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  // mulberry32, seeded per round.
  let state = (round + 1) * 0x9e3779b9;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Measures every suite of one workload: setup, warm-up, a correctness check, then `iterations`
 * rounds in which each implementation runs once, in an order shuffled every round (interleaving
 * spreads the machine's drift over all implementations instead of the last one; see `roundOrder`),
 * each sample after a forced collection and `settleMs`.
 */
export async function runWorkload(
  workload: Workload<unknown>,
  suites: readonly DiscoveredSuite[],
  options: RunOptions,
): Promise<WorkloadResult> {
  const log = options.log ?? (() => undefined);
  const gc = gcFunction();
  const started = performance.now();
  const data = workload.data();
  const buildMs = performance.now() - started;
  const events = typeof workload.events === 'function' ? workload.events(data) : workload.events;
  const bytes = workload.bytes?.(data);

  const ordered = [...suites].sort((a, b) => KIND_ORDER[a.suite.kind] - KIND_ORDER[b.suite.kind]);
  interface Slot {
    readonly entry: DiscoveredSuite;
    state: unknown;
    samples: number[];
    spentMs: number;
    notes: string[];
    error?: string;
  }
  const slots: Slot[] = ordered.map((entry) => ({
    entry,
    state: undefined,
    samples: [],
    spentMs: 0,
    notes: entry.suite.notes ? [entry.suite.notes] : [],
  }));

  for (const slot of slots) {
    const { suite } = slot.entry;
    try {
      slot.state = suite.setup ? await suite.setup(data) : undefined;
      let output: unknown;
      for (let i = 0; i < Math.max(1, options.warmup); i++) {
        gc();
        const t0 = performance.now();
        output = await suite.run(data, slot.state);
        const first = performance.now() - t0;
        if (i === 0 && options.slowMs !== undefined && first > options.slowMs) {
          // A peer that takes longer than the whole budget once is measured by that run alone:
          // its ratio is what matters and more runs would not change it at this scale.
          slot.samples.push(first);
          slot.spentMs = Number.POSITIVE_INFINITY;
          slot.notes.push('slow: first run only');
          break;
        }
      }
      if (suite.check) {
        try {
          suite.check(output, data);
        } catch (error) {
          slot.notes.push(`CHECK FAILED: ${message(error)}`);
        }
      }
    } catch (error) {
      slot.error = message(error);
    }
  }
  log(`  ${workload.name}: built in ${buildMs.toFixed(0)} ms, ${slots.length} implementations`);

  const settle = (options.settleMs ?? 0) > 0 ? options.settleMs : undefined;
  for (let round = 0; round < options.iterations; round++) {
    for (const k of roundOrder(slots.length, round)) {
      const slot = slots[k] as Slot;
      if (slot.error) continue;
      if (slot.spentMs === Number.POSITIVE_INFINITY) continue;
      if (slot.spentMs > options.budgetMs && slot.samples.length >= options.minSamples) continue;
      gc();
      if (settle !== undefined) await new Promise((resolve) => setTimeout(resolve, settle));
      const t0 = performance.now();
      try {
        const out = slot.entry.suite.run(data, slot.state);
        if (out instanceof Promise) await out;
      } catch (error) {
        slot.error = message(error);
        continue;
      }
      const ms = performance.now() - t0;
      slot.samples.push(ms);
      slot.spentMs += ms;
    }
  }

  return {
    workload: workload.name,
    description: workload.description,
    events,
    ...(bytes === undefined ? {} : { bytes }),
    buildMs,
    implementations: slots.map((slot) => ({
      name: slot.entry.suite.name,
      kind: slot.entry.suite.kind,
      file: slot.entry.file,
      notes: slot.notes,
      samplesMs: slot.samples,
      ...(slot.samples.length > 0 ? { stats: summarize(slot.samples) } : {}),
      ...(slot.error ? { error: slot.error } : {}),
    })),
  };
}
