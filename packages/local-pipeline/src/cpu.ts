import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * CPU time of a run's processes from the kernel's own accounting (`/proc/<pid>/stat` and
 * `/proc/<pid>/task/<tid>/stat`, Linux only), so that a change can be judged by CPU seconds per
 * event, which a busy shared machine disturbs far less than throughput.
 */

/** The fields of a `/proc/<pid>/stat` (or `task/<tid>/stat`) line this module uses. */
export interface ProcStat {
  readonly pid: number;
  /** The executable's name as the kernel keeps it (at most 15 characters). */
  readonly comm: string;
  readonly ppid: number;
  /** Clock ticks in user and kernel mode, of the process (all its threads) or the thread. */
  readonly utime: number;
  readonly stime: number;
  /** Clock ticks of its children that have exited and been waited for. */
  readonly cutime: number;
  readonly cstime: number;
}

/**
 * Parse one stat line. `comm` is in parentheses and may itself hold spaces and ')' (a thread
 * can name itself anything), so the fields after it are counted from the last ')'.
 * Returns undefined for a line that is not a stat line.
 */
export function parseProcStat(line: string): ProcStat | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  // After ')': state(3) ppid(4) pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime(14) stime(15) cutime(16) cstime(17) ... (proc(5) numbering).
  const rest = line
    .slice(close + 1)
    .trim()
    .split(' ');
  const field = (n: number) => Number(rest[n - 3]);
  const stat = {
    pid,
    comm: line.slice(open + 1, close),
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
  };
  const numbers = [stat.pid, stat.ppid, stat.utime, stat.stime, stat.cutime, stat.cstime];
  return numbers.every((n) => Number.isInteger(n) && n >= 0) ? stat : undefined;
}

/** Clock ticks per second of `/proc` times (USER_HZ: 100 on Linux unless `getconf` says else). */
export function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/** A process of the tree with its command line and times. */
export interface TreeProcess extends ProcStat {
  readonly cmdline: string;
}

function readStat(path: string): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(path, 'utf8'));
  } catch {
    // Gone since the listing (it exited): its time is in its parent's cutime once reaped.
    return undefined;
  }
}

function readCmdline(procDir: string, pid: number): string {
  try {
    return readFileSync(join(procDir, String(pid), 'cmdline'), 'utf8')
      .replaceAll('\0', ' ')
      .trim();
  } catch {
    return '';
  }
}

/** `root` and every living descendant of it, read from `procDir` (one pass over its pids). */
export function readProcessTree(root: number, procDir = '/proc'): TreeProcess[] {
  let entries: string[];
  try {
    entries = readdirSync(procDir);
  } catch {
    return [];
  }
  const children = new Map<number, ProcStat[]>();
  let rootStat: ProcStat | undefined;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(join(procDir, entry, 'stat'));
    if (!stat) continue;
    if (stat.pid === root) rootStat = stat;
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  if (!rootStat) return [];
  const tree: TreeProcess[] = [];
  const queue: ProcStat[] = [rootStat];
  for (let i = 0; i < queue.length; i++) {
    const stat = queue[i] as ProcStat;
    tree.push({ ...stat, cmdline: readCmdline(procDir, stat.pid) });
    for (const child of children.get(stat.pid) ?? []) queue.push(child);
  }
  return tree;
}

/** The CPU ticks of one thread of `pid`, or undefined once it is gone. */
export function threadTicks(pid: number, tid: number, procDir = '/proc'): number | undefined {
  const stat = readStat(join(procDir, String(pid), 'task', String(tid), 'stat'));
  return stat ? stat.utime + stat.stime : undefined;
}

/** The CPU ticks of the calling thread so far (`/proc/thread-self/stat`); Linux only. */
export function ownThreadTicks(readFile: (path: string) => string): number | undefined {
  try {
    const stat = parseProcStat(readFile('/proc/thread-self/stat'));
    return stat ? stat.utime + stat.stime : undefined;
  } catch {
    return undefined;
  }
}

/** The id of the calling thread (`/proc/thread-self`), for a worker to report; Linux only. */
export function ownThreadId(readlink: (path: string) => string): number | undefined {
  try {
    const tid = Number(readlink('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Which stand-in (or tool) a child process is, from its command line. */
const KNOWN_PROCESSES: readonly (readonly [RegExp, string])[] = [
  [/DynamoDBLocal|LoopbackDynamoDbLocal/, 'DynamoDB Local'],
  [/dynalite/, 'dynalite'],
  [/kinesalite/, 'kinesalite'],
  [/s3rver/, 's3rver'],
  [/opensearch/i, 'OpenSearch'],
  [/postgres/, 'PostgreSQL'],
  [/kafka/i, 'Kafka broker'],
  [/esbuild/, 'esbuild'],
];

/** The stand-in (or tool) a child process is, or undefined (the harness's own helpers). */
export function processGroupOf(cmdline: string, comm: string): string | undefined {
  for (const [pattern, name] of KNOWN_PROCESSES) {
    if (pattern.test(cmdline) || pattern.test(comm)) return name;
  }
  return undefined;
}

/** Label of the root process and of every descendant that is none of the known ones. */
export const HARNESS = 'harness';

/**
 * CPU ticks per group of the tree (`readProcessTree`: the root first, then breadth-first): the root
 * is the harness; each process counts its own time plus that of its reaped
 * children (`cutime`/`cstime`), and belongs to the group of the nearest known process above it
 * (PostgreSQL's backends to PostgreSQL), or to the harness. The harness's reaped children are
 * counted apart (`exited children`): a stand-in that exited before the measurement ends.
 */
export function ticksByGroup(tree: readonly TreeProcess[]): Map<string, number> {
  const groupOf = new Map<number, string>();
  const totals = new Map<string, number>();
  const add = (group: string, ticks: number) => totals.set(group, (totals.get(group) ?? 0) + ticks);
  // The tree is in breadth-first order: a parent's group is known before its children's.
  for (const [i, p] of tree.entries()) {
    const inherited = groupOf.get(p.ppid);
    // The root is the harness whatever its arguments say (`--ingest kafka`).
    const group =
      i === 0
        ? HARNESS
        : inherited && inherited !== HARNESS
          ? inherited
          : (processGroupOf(p.cmdline, p.comm) ?? HARNESS);
    groupOf.set(p.pid, group);
    add(group, p.utime + p.stime);
    if (group === HARNESS) add('exited children', p.cutime + p.cstime);
    else add(group, p.cutime + p.cstime);
  }
  return totals;
}

/** CPU seconds of each row between two readings (rows that appeared later start from 0). */
export function cpuDelta(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  ticksPerSecond: number,
): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [row, ticks] of after) {
    delta.set(row, Math.max(0, ticks - (before.get(row) ?? 0)) / ticksPerSecond);
  }
  return delta;
}

/** CPU seconds per 1,000 events; undefined when no event was produced. */
export function perThousandEvents(cpuSeconds: number, events: number): number | undefined {
  return events > 0 ? (cpuSeconds * 1000) / events : undefined;
}

/** One row of the CPU table. */
export interface CpuRow {
  readonly name: string;
  readonly cpuSeconds: number;
  readonly perThousandEvents: number | undefined;
}

/** The CPU report of a run: per process (and harness thread), and the total over processes. */
export interface CpuReport {
  readonly events: number;
  readonly wallSeconds: number;
  /** 1-minute load average at the start and end of the measurement (other work on the machine). */
  readonly loadAverage: readonly [number, number];
  readonly rows: readonly CpuRow[];
  readonly total: CpuRow;
}

/**
 * The report from per-row CPU seconds. Rows named `harness: …` are threads of the harness
 * process, a breakdown of its own row, so the total counts each process once.
 */
export function cpuReport(input: {
  seconds: ReadonlyMap<string, number>;
  events: number;
  wallSeconds: number;
  loadAverage: readonly [number, number];
}): CpuReport {
  const rows = [...input.seconds]
    .map(([name, cpuSeconds]) => ({
      name,
      cpuSeconds,
      perThousandEvents: perThousandEvents(cpuSeconds, input.events),
    }))
    .sort((a, b) => b.cpuSeconds - a.cpuSeconds);
  const total = rows
    .filter((r) => !r.name.startsWith(`${HARNESS}:`))
    .reduce((sum, r) => sum + r.cpuSeconds, 0);
  return {
    events: input.events,
    wallSeconds: input.wallSeconds,
    loadAverage: input.loadAverage,
    rows,
    total: {
      name: 'total',
      cpuSeconds: total,
      perThousandEvents: perThousandEvents(total, input.events),
    },
  };
}

/** The report as the table the run prints. */
export function formatCpuReport(r: CpuReport): string {
  const fmt = (n: number | undefined, digits: number) =>
    n === undefined ? '–' : n.toFixed(digits);
  const width = Math.max(24, ...r.rows.map((row) => row.name.length + 2));
  const line = (row: CpuRow) =>
    `  ${row.name.padEnd(width)}${fmt(row.cpuSeconds, 1).padStart(8)}${fmt(row.perThousandEvents, 3).padStart(16)}`;
  return [
    `cpu (kernel accounting, produce + drain: ${r.events} events in ${r.wallSeconds.toFixed(1)} s; load average ${r.loadAverage[0].toFixed(1)} → ${r.loadAverage[1].toFixed(1)})`,
    `  ${'process'.padEnd(width)}${'cpu s'.padStart(8)}${'s / 1,000 ev'.padStart(16)}`,
    ...r.rows.map((row) =>
      line({ ...row, name: row.name.startsWith(`${HARNESS}:`) ? `  ${row.name}` : row.name }),
    ),
    line(r.total),
    '',
  ].join('\n');
}

/**
 * Named threads of the harness process: per label, its kernel thread ids, and the ticks of those
 * of them that have ended (a thread's own stat is gone with it; the worker reports its ticks as
 * it finishes).
 */
export type ThreadGroups = () => ReadonlyMap<
  string,
  { readonly tids: readonly number[]; readonly endedTicks?: number }
>;

/** Every row of one reading: the process groups, and the harness's threads by label. */
export function readCpuTicks(
  root: number,
  threads: ThreadGroups,
  procDir = '/proc',
): Map<string, number> {
  const rows = ticksByGroup(readProcessTree(root, procDir));
  // The main thread's tid is the process id.
  const main = threadTicks(root, root, procDir);
  if (main !== undefined) rows.set(`${HARNESS}: main thread`, main);
  for (const [label, { tids, endedTicks }] of threads()) {
    let ticks = endedTicks ?? 0;
    for (const tid of tids) ticks += threadTicks(root, tid, procDir) ?? 0;
    rows.set(`${HARNESS}: ${label}`, ticks);
  }
  return rows;
}

/**
 * A measurement from `start()` to `stop(events)`: CPU seconds of each process of the run, of the
 * harness's named threads, and of its other threads (V8's helpers, libuv's pool, threads that
 * ended: the harness's own row minus the named ones).
 */
export class CpuMeter {
  private before: Map<string, number> | undefined;
  private startedAt = 0;
  private loadAtStart = 0;
  private readonly ticksPerSecond = clockTicksPerSecond();

  constructor(
    private readonly root: number,
    private readonly threads: ThreadGroups,
    private readonly procDir = '/proc',
    private readonly loadAverage: () => number = () => 0,
  ) {}

  start(): void {
    this.before = readCpuTicks(this.root, this.threads, this.procDir);
    this.startedAt = Date.now();
    this.loadAtStart = this.loadAverage();
  }

  /** The report over the events produced since `start()`; undefined if never started. */
  stop(events: number): CpuReport | undefined {
    if (!this.before) return undefined;
    const after = readCpuTicks(this.root, this.threads, this.procDir);
    const seconds = cpuDelta(this.before, after, this.ticksPerSecond);
    const harness = seconds.get(HARNESS);
    if (harness !== undefined) {
      let named = 0;
      for (const [row, s] of seconds) if (row.startsWith(`${HARNESS}:`)) named += s;
      seconds.set(`${HARNESS}: other threads`, Math.max(0, harness - named));
    }
    for (const [row, s] of seconds) if (s === 0 && row === 'exited children') seconds.delete(row);
    return cpuReport({
      seconds,
      events,
      wallSeconds: (Date.now() - this.startedAt) / 1000,
      loadAverage: [this.loadAtStart, this.loadAverage()],
    });
  }
}
