import { median } from './stats.js';

/** Per-implementation samples of a paired run, in milliseconds, one per round. */
export interface PairedSamples {
  /** Process CPU time (user + system) of each sample. */
  readonly cpu: Record<string, number[]>;
  /** Wall time of each sample. */
  readonly wall: Record<string, number[]>;
}

/** Options of {@link pairedRounds}. */
export interface PairedOptions {
  /** Unmeasured calls of every implementation first (JIT warm-up). Default 10. */
  readonly warmup?: number;
  /** Called before every sample, e.g. `globalThis.gc` under `--expose-gc`. */
  readonly beforeEach?: () => void;
}

/**
 * Runs every implementation once per round, back to back, recording CPU and wall time of each
 * call, for A/B comparisons on a loaded machine (where only ratios of samples taken close together
 * mean anything; CPU time moves far less with load than wall time). The order within a round
 * alternates rotations of the list and of its reverse, so that each implementation follows each
 * other one equally often: with rotations alone, an A/A run of two identical copies measured
 * 0.7–0.85 instead of 1.0, because the one that always ran right after the floor paid for it.
 */
export async function pairedRounds(
  impls: Record<string, () => unknown>,
  rounds: number,
  options: PairedOptions = {},
): Promise<PairedSamples> {
  const keys = Object.keys(impls);
  const cpu: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  const wall: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  for (let i = 0; i < (options.warmup ?? 10); i++) for (const k of keys) await impls[k]!();
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? keys : [...keys].reverse();
    for (let j = 0; j < keys.length; j++) {
      const k = order[(j + (r >> 1)) % keys.length]!;
      options.beforeEach?.();
      const c = process.cpuUsage();
      const t = performance.now();
      await impls[k]!();
      wall[k]!.push(performance.now() - t);
      const used = process.cpuUsage(c);
      cpu[k]!.push((used.user + used.system) / 1000);
    }
  }
  return { cpu, wall };
}

/** The median of the per-round ratios `a[i] / b[i]` (samples of one round were taken together). */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x / b[i]!));
}
