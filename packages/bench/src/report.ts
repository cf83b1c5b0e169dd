import type { ColdStartResult } from './coldstart/coldstart.js';
import {
  COST_MEMORY_MB,
  durationUsdPerMillionEvents,
  LAMBDA_ARM64_USD_PER_GB_SECOND,
  requestUsdPerMillionEvents,
} from './cost.js';
import type { PeakMemoryResult } from './memory.js';
import type { ImplementationResult, WorkloadResult } from './runner.js';
import { ratioTo } from './stats.js';

/** An implementation's result with its ratio to the floor and its cost. */
export interface EnrichedImplementation extends ImplementationResult {
  readonly ratioToFloor?: number;
  readonly usdPerMillionEvents?: number;
}

/** A workload's result with ratios and cost. */
export interface EnrichedWorkload extends Omit<WorkloadResult, 'implementations'> {
  readonly floorMedianMs?: number;
  readonly implementations: EnrichedImplementation[];
}

/** The JSON file `pnpm bench` writes (format version 1; see the README). */
export interface BenchReport {
  readonly format: 'streamlens-bench/1';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly git?: { readonly commit: string; readonly dirty: boolean };
  readonly environment: {
    readonly node: string;
    readonly platform: string;
    readonly arch: string;
    readonly cpus: number;
    readonly cpuModel: string;
  };
  readonly options: { readonly quick: boolean; readonly filter?: string };
  readonly cost: {
    readonly memoryMb: number;
    readonly usdPerGbSecond: number;
    readonly architecture: 'arm64';
    readonly source: string;
  };
  readonly workloads: EnrichedWorkload[];
  readonly peakMemory: PeakMemoryResult[];
  readonly coldStart: ColdStartResult[];
  readonly errors: Array<{ file: string; error: string }>;
}

/** Adds ratios and cost to each implementation (the floor is the first `floor` with samples). */
export function enrich(result: WorkloadResult): EnrichedWorkload {
  const floor = result.implementations.find((i) => i.kind === 'floor' && i.stats)?.stats?.median;
  return {
    ...result,
    ...(floor === undefined ? {} : { floorMedianMs: floor }),
    implementations: result.implementations.map((impl) => {
      if (!impl.stats) return impl;
      const ratio = ratioTo(impl.stats.median, floor);
      return {
        ...impl,
        ...(ratio === undefined ? {} : { ratioToFloor: ratio }),
        usdPerMillionEvents: durationUsdPerMillionEvents(impl.stats.median, result.events),
      };
    }),
  };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** Renders rows as an aligned text table (first column left, others right-aligned). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => pad(cell, widths[c] ?? 0, c > 0 && c < cells.length - 1 && c !== 1))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** The text block printed for one workload. */
export function formatWorkload(result: EnrichedWorkload): string {
  const head = `${result.workload}: ${result.description}\n  ${result.events.toLocaleString('en-US')} events${
    result.bytes ? `, ${(result.bytes / 1048576).toFixed(2)} MiB` : ''
  }; built in ${result.buildMs.toFixed(0)} ms`;
  const rows = result.implementations.map((impl) => {
    if (!impl.stats) {
      return [impl.name, impl.kind, '-', '-', '-', '-', '-', `ERROR ${impl.error ?? ''}`];
    }
    const s = impl.stats;
    const throughput = (result.events / s.median) * 1000;
    return [
      impl.name,
      impl.kind,
      ms(s.median),
      `${ms(s.min)}–${ms(s.max)}`,
      impl.ratioToFloor === undefined ? '-' : impl.ratioToFloor.toFixed(2),
      throughput >= 1e6 ? `${(throughput / 1e6).toFixed(2)}M` : `${(throughput / 1e3).toFixed(0)}k`,
      impl.usdPerMillionEvents === undefined ? '-' : `$${impl.usdPerMillionEvents.toFixed(4)}`,
      [`n=${s.n}`, ...impl.notes].join('; '),
    ];
  });
  const body = table(
    [
      'implementation',
      'kind',
      'median ms',
      'min–max ms',
      '× floor',
      'events/s',
      '$/M events',
      'notes',
    ],
    rows,
  );
  const cost = `  cost: duration at ${COST_MEMORY_MB} MB arm64, $${LAMBDA_ARM64_USD_PER_GB_SECOND}/GB-s, billed per ms, at this machine's speed; requests add $${requestUsdPerMillionEvents(
    result.events,
  ).toFixed(4)}/M events at ${result.events.toLocaleString('en-US')} events per invocation`;
  return `${head}\n${body}\n${cost}`;
}

/** The peak-memory block. */
export function formatPeakMemory(results: readonly PeakMemoryResult[]): string {
  const rows = results.map((r) => [
    `${r.workload} / ${r.name}`,
    r.kind,
    r.afterLoadMiB === undefined ? '-' : r.afterLoadMiB.toFixed(0),
    r.withEventMiB === undefined ? '-' : r.withEventMiB.toFixed(0),
    r.peakMiB === undefined ? '-' : r.peakMiB.toFixed(0),
    r.peakMiB === undefined
      ? `ERROR ${r.error ?? ''}`
      : r.peakMiB <= COST_MEMORY_MB
        ? 'fits 256 MB'
        : 'OVER 256 MB',
  ]);
  return `peak memory (fresh process, peak RSS (VmHWM); event parsed from JSON as the runtime does, 3 runs)\n${table(
    ['workload / implementation', 'kind', 'loaded MiB', 'with event MiB', 'peak MiB', 'verdict'],
    rows,
  )}`;
}

/** The cold-start block. */
export function formatColdStart(results: readonly ColdStartResult[]): string {
  const rows = results.map((r) => [
    r.name,
    r.kind,
    r.stats ? ms(r.stats.median) : '-',
    r.stats ? `${ms(r.stats.min)}–${ms(r.stats.max)}` : '-',
    r.overEmptyMs === undefined ? '-' : `+${ms(r.overEmptyMs)}`,
    r.cpuOverEmptyMs === undefined ? '-' : `+${ms(r.cpuOverEmptyMs)}`,
    r.kind === 'baseline' ? '-' : r.bundleKiB.toFixed(0),
    [r.stats ? `n=${r.stats.n}` : '', ...r.notes, r.error ? `ERROR ${r.error}` : '']
      .filter(Boolean)
      .join('; '),
  ]);
  return `coldstart: node -e "require(bundle)" in a fresh process, over an empty file\n${table(
    [
      'bundle',
      'kind',
      'median ms',
      'min–max ms',
      'over empty ms',
      'CPU over empty ms',
      'KiB',
      'notes',
    ],
    rows,
  )}`;
}
