import { type Workload, type WorkloadData, type WorkloadName, workloads } from './workloads.js';

/** What an implementation is, relative to docs/performance-targets.md. */
export const BenchKind = {
  /** The least work any correct implementation must do: the 1.00 of the ratios. */
  FLOOR: 'floor',
  /** What a user would otherwise pick. */
  PEER: 'peer',
  /** streamlens's own implementation. */
  STREAMLENS: 'streamlens',
} as const;
export type BenchKind = (typeof BenchKind)[keyof typeof BenchKind];

/** One implementation measured against one workload. */
export interface BenchDefinition<D, S> {
  readonly name: string;
  readonly kind: BenchKind;
  /** A short remark printed in the table (what it does differently). */
  readonly notes?: string;
  /** Runs once before warm-up, untimed (build clients, compile schemas, ...). */
  readonly setup?: (data: D) => S | Promise<S>;
  /** The measured work: one invocation's worth. May be async. */
  readonly run: (data: D, state: S) => unknown;
  /**
   * Optional correctness check of one run's output, run once after warm-up; throw to flag it
   * (the table then says "CHECK FAILED" in the notes).
   */
  readonly check?: (output: unknown, data: D) => void;
}

/** A registered suite as the runner sees it. */
export interface BenchSuite {
  readonly [BENCH_MARK]: true;
  readonly workload: Workload<unknown>;
  readonly name: string;
  readonly kind: BenchKind;
  readonly notes?: string;
  readonly setup?: (data: unknown) => unknown;
  readonly run: (data: unknown, state: unknown) => unknown;
  readonly check?: (output: unknown, data: unknown) => void;
}

/** Marks suites so the runner finds them among a module's exports (shared across module copies). */
export const BENCH_MARK: unique symbol = Symbol.for('streamlens.bench.suite') as never;

/**
 * Declares one implementation of a workload for `pnpm bench`. Export the result (or an array of
 * them) from a `bench/*.bench.ts` file of any package or service.
 *
 * @example
 * export const transform = defineBench({
 *   workload: 'firehose-1mib',
 *   name: 'firehose-transform',
 *   kind: 'streamlens',
 *   setup: () => createTransformer({ maxRecordBytes: 8192 }),
 *   run: (data, transform) => transform(data.event),
 * });
 */
export function defineBench<N extends WorkloadName, S = undefined>(
  definition: BenchDefinition<WorkloadData<N>, S> & { readonly workload: N },
): BenchSuite;
export function defineBench<D, S = undefined>(
  definition: BenchDefinition<D, S> & { readonly workload: Workload<D> },
): BenchSuite;
export function defineBench(
  definition: BenchDefinition<unknown, unknown> & {
    readonly workload: WorkloadName | Workload<unknown>;
  },
): BenchSuite {
  const workload =
    typeof definition.workload === 'string'
      ? (workloads[definition.workload] as Workload<unknown>)
      : definition.workload;
  if (!workload) throw new TypeError(`unknown workload ${String(definition.workload)}`);
  return { ...definition, workload, [BENCH_MARK]: true };
}

/** True when a module export is a suite made by {@link defineBench}. */
export function isBenchSuite(value: unknown): value is BenchSuite {
  return typeof value === 'object' && value !== null && BENCH_MARK in value;
}
