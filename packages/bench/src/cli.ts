// `pnpm bench [--quick] [--filter X] [--json FILE] [--no-coldstart] [--no-memory]`
// Runs every bench suite of the monorepo against the shared workloads and prints, per workload,
// median and min–max per implementation, the ratio to the floor and the Lambda cost.
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runColdStart } from './coldstart/coldstart.js';
import { COST_MEMORY_MB, LAMBDA_ARM64_USD_PER_GB_SECOND } from './cost.js';
import { measurePeakMemory } from './memory.js';
import {
  type BenchReport,
  enrich,
  formatColdStart,
  formatPeakMemory,
  formatWorkload,
} from './report.js';
import { type DiscoveredSuite, discoverSuites, runWorkload } from './runner.js';

/** Parsed command line. */
export interface CliOptions {
  readonly quick: boolean;
  readonly filter?: string;
  readonly json?: string;
  readonly coldstart: boolean;
  readonly memory: boolean;
  readonly help: boolean;
}

/** Parses the arguments; throws a TypeError naming a bad one. */
export function parseArgs(argv: readonly string[]): CliOptions {
  let quick = false;
  let coldstart = true;
  let memory = true;
  let help = false;
  let filter: string | undefined;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new TypeError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--filter') filter = value();
    else if (arg.startsWith('--filter=')) filter = arg.slice(9);
    else if (arg === '--json') json = value();
    else if (arg.startsWith('--json=')) json = arg.slice(7);
    else if (arg === '--no-coldstart') coldstart = false;
    else if (arg === '--no-memory') memory = false;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--') continue;
    else throw new TypeError(`unknown argument ${arg} (try --help)`);
  }
  return {
    quick,
    coldstart,
    memory,
    help,
    ...(filter === undefined ? {} : { filter }),
    ...(json === undefined ? {} : { json }),
  };
}

/** True when a suite or workload name contains the filter (case-insensitive). */
export function matchesFilter(filter: string | undefined, ...names: string[]): boolean {
  if (!filter) return true;
  const f = filter.toLowerCase();
  return names.some((n) => n.toLowerCase().includes(f));
}

const USAGE = `pnpm bench [--quick] [--filter SUBSTRING] [--json FILE] [--no-coldstart] [--no-memory]

  --quick          fewer iterations (whole run under a minute)
  --filter S       only workloads/implementations/files whose name contains S ("coldstart" too)
  --json FILE      where to write results (default bench-results/<timestamp>.json)
  --no-coldstart   skip bundling and spawning handlers
  --no-memory      skip the peak-memory child processes`;

function gitInfo(root: string): BenchReport['git'] {
  try {
    const commit = execSync('git rev-parse HEAD', { cwd: root, encoding: 'utf8' }).trim();
    const dirty =
      execSync('git status --porcelain --untracked-files=no', { cwd: root, encoding: 'utf8' })
        .length > 0;
    return { commit, dirty };
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const startedAt = new Date();
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const run = options.quick
    ? { warmup: 1, iterations: 5, budgetMs: 1_500, minSamples: 3, slowMs: 1_000, settleMs: 10, log }
    : { warmup: 3, iterations: 20, budgetMs: 15_000, minSamples: 5, settleMs: 50, log };

  const { suites, errors } = await discoverSuites(root);
  for (const e of errors) console.log(`! ${e.file}: ${e.error}`);
  const selected = suites.filter(({ suite, file }) =>
    matchesFilter(options.filter, suite.workload.name, suite.name, file),
  );
  const byWorkload = new Map<string, DiscoveredSuite[]>();
  for (const entry of selected) {
    const list = byWorkload.get(entry.suite.workload.name) ?? [];
    list.push(entry);
    byWorkload.set(entry.suite.workload.name, list);
  }
  log(
    `streamlens bench${options.quick ? ' --quick' : ''}: ${suites.length} suites in ${
      new Set(suites.map((s) => s.file)).size
    } files, ${byWorkload.size} workloads selected`,
  );

  const workloads: BenchReport['workloads'] = [];
  for (const [, entries] of byWorkload) {
    const first = entries[0] as DiscoveredSuite;
    const result = enrich(await runWorkload(first.suite.workload, entries, run));
    workloads.push(result);
    console.log(`\n${formatWorkload(result)}`);
  }

  // Peak memory: streamlens's implementation of each 6 MB workload (and the floor for reference
  // in a full run), each in a fresh process.
  let peakMemory: BenchReport['peakMemory'] = [];
  if (options.memory) {
    const targets = selected.filter(
      ({ suite }) =>
        ['firehose-6mib', 'kinesis-6mb'].includes(suite.workload.name) &&
        (suite.kind === 'streamlens' || (!options.quick && suite.kind === 'floor')),
    );
    const withFloorFallback =
      targets.length > 0
        ? targets
        : selected.filter(
            ({ suite }) =>
              ['firehose-6mib', 'kinesis-6mb'].includes(suite.workload.name) &&
              suite.kind === 'floor',
          );
    if (withFloorFallback.length > 0) {
      log(`  peak memory: ${withFloorFallback.length} child processes`);
      peakMemory = measurePeakMemory(root, withFloorFallback);
      console.log(`\n${formatPeakMemory(peakMemory)}`);
    }
  }

  let coldStart: BenchReport['coldStart'] = [];
  if (options.coldstart && matchesFilter(options.filter, 'coldstart')) {
    coldStart = await runColdStart({ root, runs: options.quick ? 5 : 20, log });
    console.log(`\n${formatColdStart(coldStart)}`);
  }

  const report: BenchReport = {
    format: 'streamlens-bench/1',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    ...(gitInfo(root) ? { git: gitInfo(root) } : {}),
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
    },
    options: {
      quick: options.quick,
      ...(options.filter === undefined ? {} : { filter: options.filter }),
    },
    cost: {
      memoryMb: COST_MEMORY_MB,
      usdPerGbSecond: LAMBDA_ARM64_USD_PER_GB_SECOND,
      architecture: 'arm64',
      source: 'https://aws.amazon.com/lambda/pricing/ (us-east-1, first tier; recorded 2026-11-25)',
    },
    workloads,
    peakMemory,
    coldStart,
    errors,
  };
  const out =
    options.json ??
    join(root, 'bench-results', `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nresults: ${out} (${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s)`);
}

// Run only when executed, not when a test imports parseArgs.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main()
    .catch((error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    })
    // Suites that start stand-ins (DynamoDB Local, the OpenSearch stand-in) or keep sockets alive
    // would otherwise hold the process open after the results are written; local-aws stops its
    // child processes on exit.
    .finally(() => process.exit());
}
