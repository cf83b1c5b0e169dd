// `pnpm start:bench`: CPU seconds per 1,000 events of a fixed cold-start `pnpm start` run, per
// process, read from the kernel's accounting; `--compare A B` runs two commits alternately
// (A, B, A, B, ...) on the same machine and prints the ratio B / A per process. Without
// `--compare` it also prints whether each run kept up (the keep-up table), over one or more
// rates, from a cold start or after `--ramp`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CpuMeter, type CpuReport, formatCpuReport } from './cpu.js';
import { LocalPipelineError } from './errors.js';
import { ITERATOR_AGE_SLACK_MS } from './throughput.js';

/** Parsed `pnpm start:bench` options. */
export interface BenchOptions {
  /** Events per second of each run: one rate, or several (each run `runs` times) for keep-up. */
  readonly rates: readonly number[];
  /** Seconds of ramp before the rate (0: a cold start at the full rate). */
  readonly rampSeconds: number;
  readonly durationSeconds: number;
  readonly scenario: string;
  readonly seed: number;
  /** Runs per commit (alternating with the other commit under --compare). */
  readonly runs: number;
  readonly compare?: readonly [string, string];
}

const USAGE = `pnpm start:bench [options]
  --rate N[,N...]   events per second (default 2000); several: each run --runs times, and the
                    highest rate kept up in every run is printed (not with --compare)
  --duration S      seconds of traffic at the rate (default 30)
  --ramp S          raise the rate from 0 over S seconds first (default 0: a cold start)
  --scenario NAME   (default steady)
  --seed N          (default 3)
  --runs N          runs per commit (default 1; 3 with --compare)
  --compare A B     run commits A and B alternately (A, B, A, B, ...) and print B / A`;

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      rate: { type: 'string', default: '2000' },
      duration: { type: 'string', default: '30' },
      ramp: { type: 'string', default: '0' },
      scenario: { type: 'string', default: 'steady' },
      seed: { type: 'string', default: '3' },
      runs: { type: 'string' },
      compare: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) throw new LocalPipelineError(USAGE);
  // `--compare A B`: B is the one positional argument.
  if (values.compare !== undefined && positionals.length !== 1) {
    throw new LocalPipelineError('--compare needs two commits: --compare A B');
  }
  if (values.compare === undefined && positionals.length > 0) {
    throw new LocalPipelineError(`unexpected argument ${positionals[0]}`);
  }
  const compare =
    values.compare !== undefined
      ? ([values.compare, positionals[0] as string] as const)
      : undefined;
  const numberOf = (name: string, raw: string, min: number) => {
    const n = Number(raw);
    if (!(Number.isFinite(n) && n >= min)) {
      throw new LocalPipelineError(`--${name} must be a number ≥ ${min}, got "${raw}"`);
    }
    return n;
  };
  const rates = values.rate.split(',').map((r) => numberOf('rate', r.trim(), 1));
  if (compare && rates.length > 1) {
    throw new LocalPipelineError('--compare runs one rate: give --rate a single number');
  }
  return {
    rates,
    rampSeconds: numberOf('ramp', values.ramp, 0),
    durationSeconds: numberOf('duration', values.duration, 1),
    scenario: values.scenario,
    seed: numberOf('seed', values.seed, 0),
    runs: Math.round(numberOf('runs', values.runs ?? (compare ? '3' : '1'), 1)),
    ...(compare ? { compare } : {}),
  };
}

/** One measured run: the outside meter's report, and the run's own `cpu` section if it has one. */
export interface BenchRun {
  readonly label: string;
  readonly outside: CpuReport;
  readonly inside?: CpuReport;
  readonly keptUp?: boolean;
  readonly reconciled?: boolean;
  /** The run's throughput verdict (`--summary-json` → `throughput`), when it wrote one. */
  readonly throughput?: BenchThroughput;
}

/** The part of a run's throughput verdict the keep-up table shows. */
export interface BenchThroughput {
  readonly requestedRate: number;
  readonly achievedRate: number;
  readonly drainSeconds: number;
  /** Absent in summaries written before runs could be `not judged`. */
  readonly verdict?: 'kept up' | 'fell behind' | 'not judged';
  readonly keptUp: boolean;
  /** Why not, one reason per failed criterion. */
  readonly reasons: readonly string[];
  readonly lag: { readonly p99Ms: number; readonly boundMs: number };
  readonly mappings: readonly {
    readonly function: string;
    readonly batchWindowSeconds: number;
    readonly maxIteratorAgeMs: number;
  }[];
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Per process: median CPU s / 1,000 events of A and of B, and B / A (the total last). */
export function ratioTable(
  a: readonly CpuReport[],
  b: readonly CpuReport[],
): { name: string; a: number; b: number; ratio: number | undefined }[] {
  const rowOf = (r: CpuReport, name: string) =>
    name === 'total' ? r.total : r.rows.find((row) => row.name === name);
  const names = [...new Set([...a, ...b].flatMap((r) => r.rows.map((row) => row.name)))];
  return [...names, 'total'].map((name) => {
    const per = (reports: readonly CpuReport[]) =>
      median(reports.map((r) => rowOf(r, name)?.perThousandEvents ?? 0));
    const ma = per(a);
    const mb = per(b);
    return { name, a: ma, b: mb, ratio: ma > 0 ? mb / ma : undefined };
  });
}

export function formatRatioTable(
  labels: readonly [string, string],
  rows: ReturnType<typeof ratioTable>,
): string {
  const width = Math.max(24, ...rows.map((r) => r.name.length + 2));
  return [
    `cpu s / 1,000 events, median per commit (A = ${labels[0]}, B = ${labels[1]})`,
    `  ${'process'.padEnd(width)}${'A'.padStart(9)}${'B'.padStart(9)}${'B / A'.padStart(9)}`,
    ...rows.map(
      (r) =>
        `  ${r.name.padEnd(width)}${r.a.toFixed(3).padStart(9)}${r.b.toFixed(3).padStart(9)}${(r.ratio === undefined ? '–' : r.ratio.toFixed(2)).padStart(9)}`,
    ),
    '',
  ].join('\n');
}

/**
 * One `pnpm start` run in `root` (a checkout with its dependencies installed), measured from the
 * outside between its "ready" and "drained" lines: the same method for any commit.
 */
export async function benchRun(
  root: string,
  label: string,
  o: BenchOptions,
  rate: number,
): Promise<BenchRun> {
  const summaryDir = mkdtempSync(join(tmpdir(), 'streamlens-bench-'));
  const summaryFile = join(summaryDir, 'summary.json');
  const args = [
    '--import',
    'tsx',
    'scripts/start.ts',
    '--rate',
    String(rate),
    '--duration',
    String(o.durationSeconds),
    ...(o.rampSeconds > 0 ? ['--ramp', String(o.rampSeconds)] : []),
    '--scenario',
    o.scenario,
    '--seed',
    String(o.seed),
    '--summary-json',
    summaryFile,
  ];
  const env = { ...process.env };
  // Both commits use this checkout's assembled OpenSearch node (assembling one per commit would
  // cost minutes of CPU; the node is not what is compared).
  const home = join(process.cwd(), 'packages', 'local-aws', 'opensearch', 'home');
  if (!env.STREAMLENS_OPENSEARCH_HOME && existsSync(join(home, '.assembled'))) {
    env.STREAMLENS_OPENSEARCH_HOME = home;
  }
  const child = spawn(process.execPath, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const meter = new CpuMeter(
    child.pid as number,
    () => new Map(),
    '/proc',
    () => loadavg()[0] ?? 0,
  );
  let report: CpuReport | undefined;
  let produced = 0;
  let rest = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('ready in ')) meter.start();
      const p = /^produced (\d+) records in/.exec(line);
      if (p) produced = Number(p[1]);
      if (line.startsWith('drained in ')) report = meter.stop(produced);
    }
  });
  child.stdout.resume();
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  try {
    if (!report) {
      throw new LocalPipelineError(`${label}: the run ended (exit ${code}) before it drained`);
    }
    const summary = readSummary(summaryFile);
    return {
      label,
      outside: report,
      ...(summary?.cpu ? { inside: summary.cpu } : {}),
      ...(summary?.throughput?.keptUp !== undefined ? { keptUp: summary.throughput.keptUp } : {}),
      ...(summary?.throughput ? { throughput: summary.throughput } : {}),
      ...(summary?.ok !== undefined ? { reconciled: summary.ok } : {}),
    };
  } finally {
    rmSync(summaryDir, { recursive: true, force: true });
  }
}

/** The run's `--summary-json`, or undefined when it wrote none (it failed after draining). */
function readSummary(
  file: string,
): { ok?: boolean; cpu?: CpuReport; throughput?: BenchThroughput } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A detached worktree of `commit` with its dependencies, removed by the returned function. */
function checkout(repo: string, commit: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'streamlens-bench-tree-'));
  execFileSync('git', ['-C', repo, 'worktree', 'add', '--detach', dir, commit], {
    stdio: 'ignore',
  });
  execFileSync('pnpm', ['install', '--frozen-lockfile', '--offline', '--reporter=silent'], {
    cwd: dir,
    stdio: 'inherit',
  });
  return {
    dir,
    remove: () =>
      execFileSync('git', ['-C', repo, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' }),
  };
}

function describeRun(r: BenchRun): string {
  const verdict = [
    r.reconciled === undefined ? '' : r.reconciled ? 'reconciled' : 'RECONCILIATION FAILED',
    r.keptUp === undefined
      ? ''
      : r.keptUp
        ? 'kept up'
        : r.throughput?.verdict === 'not judged'
          ? 'not judged (no window stored)'
          : 'fell behind',
  ]
    .filter(Boolean)
    .join(', ');
  return `${r.label}: ${r.outside.total.perThousandEvents?.toFixed(3) ?? '–'} cpu s / 1,000 events (outside), ${verdict}\n${formatCpuReport(r.inside ?? r.outside)}`;
}

/** Seconds with one decimal. */
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * One line per run (rate, kept up, lag p99 against its bound, each mapping's max iterator age
 * against its limit, drain, CPU per 1,000 events), then per rate how many runs kept up, and the
 * highest rate that kept up in every run.
 */
export function keepUpTable(
  runs: readonly { rate: number; run?: BenchRun; error?: string }[],
): string {
  const lines = ['keep-up (one line per run; iterator age: max / limit per mapping)'];
  const byRate = new Map<number, boolean[]>();
  for (const [i, { rate, run, error }] of runs.entries()) {
    const t = run?.throughput;
    const kept = t?.keptUp === true && run?.reconciled !== false;
    byRate.set(rate, [...(byRate.get(rate) ?? []), kept]);
    const verdict =
      run?.reconciled === false
        ? 'NOT RECONCILED'
        : kept
          ? 'kept up'
          : t?.verdict === 'not judged'
            ? 'NOT JUDGED'
            : 'FELL BEHIND';
    const ages = (t?.mappings ?? [])
      .map(
        (m) =>
          `${m.function.replace(/^streamlens-/, '').replace(/-local-/, ' ')} ${secs(m.maxIteratorAgeMs)} / ${secs(m.batchWindowSeconds * 1000 + ITERATOR_AGE_SLACK_MS)}`,
      )
      .join(', ');
    const detail = t
      ? `lag p99 ${secs(t.lag.p99Ms)} / ${secs(t.lag.boundMs)}, drained in ${t.drainSeconds.toFixed(1)} s, fed ${t.achievedRate}/s, ` +
        `cpu ${run?.outside.total.perThousandEvents?.toFixed(3) ?? '–'} s / 1,000 ev; ${ages}` +
        (t.reasons.length > 0 ? `; ✗ ${t.reasons.join('; ✗ ')}` : '')
      : (error ?? 'no throughput report');
    lines.push(
      `  ${String(i + 1).padStart(2)}  ${String(rate).padStart(5)}/s  ${verdict.padEnd(14)}  ${detail}`,
    );
  }
  let highest: number | undefined;
  for (const [rate, kept] of [...byRate].sort((a, b) => a[0] - b[0])) {
    const n = kept.filter(Boolean).length;
    lines.push(`  ${rate}/s kept up in ${n} of ${kept.length} runs`);
    if (n === kept.length) highest = rate;
  }
  if (byRate.size > 1) {
    lines.push(
      highest === undefined
        ? '  no rate kept up in every run'
        : `  highest rate kept up in every run: ${highest}/s`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function benchMain(argv: readonly string[], root: string): Promise<number> {
  const o = parseBenchArgs(argv);
  const scenario = (rate: number) =>
    `--rate ${rate} --duration ${o.durationSeconds}${o.rampSeconds > 0 ? ` --ramp ${o.rampSeconds}` : ''} --scenario ${o.scenario} --seed ${o.seed}`;
  if (!o.compare) {
    const runs: { rate: number; run?: BenchRun; error?: string }[] = [];
    for (const rate of o.rates) {
      for (let i = 0; i < o.runs; i++) {
        try {
          const run = await benchRun(root, `run ${i + 1} (${scenario(rate)})`, o, rate);
          process.stdout.write(describeRun(run));
          runs.push({ rate, run });
        } catch (error) {
          // A run that never drained did not keep up; the series goes on.
          if (!(error instanceof LocalPipelineError)) throw error;
          process.stdout.write(`${error.message}\n`);
          runs.push({ rate, error: error.message });
        }
      }
    }
    process.stdout.write(`\n${keepUpTable(runs)}`);
    return 0;
  }
  const rate = o.rates[0] as number;
  const [a, b] = o.compare;
  const trees = [checkout(root, a), checkout(root, b)];
  try {
    const reports: [CpuReport[], CpuReport[]] = [[], []];
    for (let i = 0; i < o.runs; i++) {
      for (const [k, commit] of [a, b].entries()) {
        const run = await benchRun(
          (trees[k] as { dir: string }).dir,
          `${k === 0 ? 'A' : 'B'} ${commit} run ${i + 1}`,
          o,
          rate,
        );
        process.stdout.write(describeRun(run));
        reports[k]?.push(run.outside);
      }
    }
    process.stdout.write(
      `\n${scenario(rate)}\n${formatRatioTable([a, b], ratioTable(...reports))}`,
    );
  } finally {
    for (const t of trees) t.remove();
  }
  return 0;
}
