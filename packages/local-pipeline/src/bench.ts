// `pnpm start:bench`: CPU seconds per 1,000 events of a fixed cold-start `pnpm start` run, per
// process, read from the kernel's accounting; `--compare A B` runs two commits alternately
// (A, B, A, B, ...) on the same machine and prints the ratio B / A per process.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CpuMeter, type CpuReport, formatCpuReport } from './cpu.js';
import { LocalPipelineError } from './errors.js';

/** Parsed `pnpm start:bench` options. */
export interface BenchOptions {
  readonly rate: number;
  readonly durationSeconds: number;
  readonly scenario: string;
  readonly seed: number;
  /** Runs per commit (alternating with the other commit under --compare). */
  readonly runs: number;
  readonly compare?: readonly [string, string];
}

const USAGE = `pnpm start:bench [options]
  --rate N          events per second (default 2000)
  --duration S      seconds of traffic (default 30), from a cold start (no ramp)
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
  return {
    rate: numberOf('rate', values.rate, 1),
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
export async function benchRun(root: string, label: string, o: BenchOptions): Promise<BenchRun> {
  const summaryDir = mkdtempSync(join(tmpdir(), 'streamlens-bench-'));
  const summaryFile = join(summaryDir, 'summary.json');
  const args = [
    '--import',
    'tsx',
    'scripts/start.ts',
    '--rate',
    String(o.rate),
    '--duration',
    String(o.durationSeconds),
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
      ...(summary?.ok !== undefined ? { reconciled: summary.ok } : {}),
    };
  } finally {
    rmSync(summaryDir, { recursive: true, force: true });
  }
}

/** The run's `--summary-json`, or undefined when it wrote none (it failed after draining). */
function readSummary(
  file: string,
): { ok?: boolean; cpu?: CpuReport; throughput?: { keptUp?: boolean } } | undefined {
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
    r.keptUp === undefined ? '' : r.keptUp ? 'kept up' : 'fell behind',
  ]
    .filter(Boolean)
    .join(', ');
  return `${r.label}: ${r.outside.total.perThousandEvents?.toFixed(3) ?? '–'} cpu s / 1,000 events (outside), ${verdict}\n${formatCpuReport(r.inside ?? r.outside)}`;
}

export async function benchMain(argv: readonly string[], root: string): Promise<number> {
  const o = parseBenchArgs(argv);
  const scenario = `--rate ${o.rate} --duration ${o.durationSeconds} --scenario ${o.scenario} --seed ${o.seed}`;
  if (!o.compare) {
    for (let i = 0; i < o.runs; i++) {
      process.stdout.write(describeRun(await benchRun(root, `run ${i + 1} (${scenario})`, o)));
    }
    return 0;
  }
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
        );
        process.stdout.write(describeRun(run));
        reports[k]?.push(run.outside);
      }
    }
    process.stdout.write(`\n${scenario}\n${formatRatioTable([a, b], ratioTable(...reports))}`);
  } finally {
    for (const t of trees) t.remove();
  }
  return 0;
}
