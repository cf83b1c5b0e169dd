import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  CpuMeter,
  cpuDelta,
  cpuReport,
  formatCpuReport,
  HARNESS,
  ownThreadId,
  ownThreadTicks,
  parseProcStat,
  perThousandEvents,
  processGroupOf,
  readProcessTree,
  ticksByGroup,
} from '../../src/cpu.js';

/** A stat line as the kernel writes it (52 fields; the ones after cstime are zeros here). */
function statLine(
  pid: number,
  comm: string,
  ppid: number,
  t: { utime: number; stime: number; cutime?: number; cstime?: number },
): string {
  const after = [
    'S',
    ppid,
    pid,
    pid,
    0,
    -1,
    4194560,
    1200,
    0,
    3,
    0,
    t.utime,
    t.stime,
    t.cutime ?? 0,
    t.cstime ?? 0,
    20,
    0,
    11,
    0,
    ...Array.from({ length: 33 }, () => 0),
  ];
  return `${pid} (${comm}) ${after.join(' ')}\n`;
}

describe('parseProcStat', () => {
  it('reads pid, comm, ppid and the four time fields of a real stat line', () => {
    // From a Node 20 process on Linux 6 (cut after field 24).
    const line =
      '4242 (node) S 4100 4242 4100 34816 4242 4194560 18224 377 0 0 1523 211 7 3 20 0 11 0 1234567 1180000000 30000';
    expect(parseProcStat(line)).toEqual({
      pid: 4242,
      comm: 'node',
      ppid: 4100,
      utime: 1523,
      stime: 211,
      cutime: 7,
      cstime: 3,
    });
  });

  it('counts fields from the last parenthesis, whatever the name holds', () => {
    const stat = parseProcStat(statLine(77, 'a) S 1 (b', 12, { utime: 5, stime: 6, cutime: 1 }));
    expect(stat).toMatchObject({ pid: 77, comm: 'a) S 1 (b', ppid: 12, utime: 5, stime: 6 });
  });

  it('rejects what is not a stat line', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 node S 1 2')).toBeUndefined();
    expect(parseProcStat('12 (node) S')).toBeUndefined();
  });

  it('round-trips any name and any times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4_194_304 }),
        fc.string({ maxLength: 15 }).filter((s) => !s.includes('\n')),
        fc.integer({ min: 0, max: 4_194_304 }),
        fc.array(fc.nat({ max: 2 ** 40 }), { minLength: 4, maxLength: 4 }),
        (pid, comm, ppid, [utime, stime, cutime, cstime]) => {
          const t = {
            utime: utime ?? 0,
            stime: stime ?? 0,
            cutime: cutime ?? 0,
            cstime: cstime ?? 0,
          };
          expect(parseProcStat(statLine(pid, comm, ppid, t))).toEqual({ pid, comm, ppid, ...t });
        },
      ),
    );
  });
});

describe('the process tree of a run', () => {
  let proc: string;
  const write = (
    pid: number,
    comm: string,
    ppid: number,
    cmdline: string[],
    t: Parameters<typeof statLine>[3],
  ) => {
    mkdirSync(join(proc, String(pid), 'task', String(pid)), { recursive: true });
    writeFileSync(join(proc, String(pid), 'stat'), statLine(pid, comm, ppid, t));
    writeFileSync(
      join(proc, String(pid), 'task', String(pid), 'stat'),
      statLine(pid, comm, ppid, t),
    );
    writeFileSync(join(proc, String(pid), 'cmdline'), `${cmdline.join('\0')}\0`);
  };
  beforeEach(() => {
    proc = mkdtempSync(join(tmpdir(), 'cpu-test-proc-'));
    // The harness (started with `--ingest kafka`: its own arguments must not classify it), an
    // unrelated process, DynamoDB Local, kinesalite, PostgreSQL with a backend, a watchdog.
    write(100, 'node', 1, ['node', 'scripts/start.ts', '--ingest', 'kafka'], {
      utime: 1000,
      stime: 100,
      cutime: 40,
      cstime: 10,
    });
    write(99, 'bash', 1, ['bash'], { utime: 999, stime: 999 });
    write(101, 'java', 100, ['java', '-jar', 'DynamoDBLocal.jar', '-inMemory'], {
      utime: 300,
      stime: 20,
    });
    write(102, 'node', 100, ['node', '/x/kinesis/kinesalite-child.cjs'], { utime: 50, stime: 5 });
    write(103, 'postgres', 100, ['/usr/lib/postgresql/16/bin/postgres', '-D', '/tmp/pg'], {
      utime: 30,
      stime: 3,
      cutime: 7,
      cstime: 1,
    });
    write(104, 'postgres', 103, ['postgres: streamlens warehouse 127.0.0.1 idle'], {
      utime: 60,
      stime: 6,
    });
    write(105, 'node', 100, ['node', '-e', 'watchdog'], { utime: 2, stime: 1 });
    // A thread of the harness (a worker).
    mkdirSync(join(proc, '100', 'task', '110'), { recursive: true });
    writeFileSync(
      join(proc, '100', 'task', '110', 'stat'),
      statLine(110, 'node', 1, { utime: 400, stime: 20 }),
    );
  });
  afterEach(() => rmSync(proc, { recursive: true, force: true }));

  it('lists the root and its descendants only, root first', () => {
    const tree = readProcessTree(100, proc);
    expect(tree[0]?.pid).toBe(100);
    // Breadth-first (the directory's order within a level is the file system's).
    expect(
      tree
        .slice(1, 5)
        .map((p) => p.pid)
        .sort(),
    ).toEqual([101, 102, 103, 105]);
    expect(tree[5]?.pid).toBe(104);
    expect(tree).toHaveLength(6);
    expect(tree[1]?.cmdline).toBe('java -jar DynamoDBLocal.jar -inMemory');
    expect(readProcessTree(4242, proc)).toEqual([]);
  });

  it('groups ticks by stand-in: descendants of a known process belong to it, reaped children to their parent', () => {
    const groups = ticksByGroup(readProcessTree(100, proc));
    expect(Object.fromEntries(groups)).toEqual({
      [HARNESS]: 1000 + 100 + 2 + 1,
      'exited children': 40 + 10,
      'DynamoDB Local': 320,
      kinesalite: 55,
      PostgreSQL: 30 + 3 + 7 + 1 + 60 + 6,
    });
  });

  it('names the stand-ins from their command lines and leaves other children to the harness', () => {
    expect(
      processGroupOf('java -Dopensearch.path.home=/x org.opensearch.bootstrap.OpenSearch', 'java'),
    ).toBe('OpenSearch');
    expect(processGroupOf('node /y/dynamodb/dynalite-child.cjs', 'node')).toBe('dynalite');
    expect(processGroupOf('node /y/s3/s3rver-child.cjs', 'node')).toBe('s3rver');
    expect(processGroupOf('/z/esbuild --service=0.28.2 --ping', 'esbuild')).toBe('esbuild');
    expect(processGroupOf('node -e watchdog', 'node')).toBeUndefined();
  });

  it('measures between two readings: per process, per named thread, other threads, total', () => {
    let ticks = 0;
    // The feed thread has ended by the second reading: it reported 30 ticks as it finished.
    let feedEnded: number | undefined;
    const threads = () => {
      const groups = new Map<string, { tids: number[]; endedTicks?: number }>();
      groups.set('λ indexer', { tids: [110] });
      if (feedEnded !== undefined) groups.set('feed worker', { tids: [], endedTicks: feedEnded });
      return groups;
    };
    const meter = new CpuMeter(100, threads, proc, () => 1.5 + ticks);
    meter.start();
    // 2,000 events later: the harness spent 300 more ticks, 150 of them on the worker thread and
    // 100 on the main thread; DynamoDB Local 200; a new Redshift backend appeared.
    write(100, 'node', 1, ['node', 'scripts/start.ts'], {
      utime: 1250,
      stime: 150,
      cutime: 40,
      cstime: 10,
    });
    writeFileSync(
      join(proc, '100', 'task', '100', 'stat'),
      statLine(100, 'node', 1, { utime: 1090, stime: 110 }),
    );
    writeFileSync(
      join(proc, '100', 'task', '110', 'stat'),
      statLine(110, 'node', 1, { utime: 540, stime: 30 }),
    );
    write(101, 'java', 100, ['java', '-jar', 'DynamoDBLocal.jar'], { utime: 480, stime: 40 });
    write(106, 'postgres', 103, ['postgres: backend'], { utime: 10, stime: 0 });
    ticks = 1;
    feedEnded = 30;
    const report = meter.stop(2000);
    const row = (name: string) => report?.rows.find((r) => r.name === name);
    expect(row(HARNESS)?.cpuSeconds).toBeCloseTo(3.0);
    expect(row(`${HARNESS}: main thread`)?.cpuSeconds).toBeCloseTo(1.0);
    expect(row(`${HARNESS}: λ indexer`)?.cpuSeconds).toBeCloseTo(1.5);
    expect(row(`${HARNESS}: feed worker`)?.cpuSeconds).toBeCloseTo(0.3);
    expect(row(`${HARNESS}: other threads`)?.cpuSeconds).toBeCloseTo(0.2);
    expect(row('DynamoDB Local')?.cpuSeconds).toBeCloseTo(2.0);
    expect(row('PostgreSQL')?.cpuSeconds).toBeCloseTo(0.1);
    expect(row('exited children')).toBeUndefined();
    // Threads are a breakdown of the harness row: counted once in the total.
    expect(report?.total.cpuSeconds).toBeCloseTo(3.0 + 2.0 + 0.1);
    expect(report?.total.perThousandEvents).toBeCloseTo(5.1 / 2);
    expect(report?.loadAverage).toEqual([1.5, 2.5]);
    expect(report?.rows[0]?.name).toBe(HARNESS);
  });

  it('reports nothing when never started', () => {
    expect(new CpuMeter(100, () => new Map(), proc).stop(10)).toBeUndefined();
  });
});

describe('per 1,000 events', () => {
  it('divides CPU seconds by thousands of events', () => {
    expect(perThousandEvents(60, 120_000)).toBe(0.5);
    expect(perThousandEvents(1.5, 500)).toBe(3);
    expect(perThousandEvents(4, 0)).toBeUndefined();
  });

  it('turns tick deltas into seconds; a row that appeared later counts from zero, none goes negative', () => {
    const delta = cpuDelta(
      new Map([
        ['a', 100],
        ['b', 50],
      ]),
      new Map([
        ['a', 350],
        ['b', 40],
        ['c', 20],
      ]),
      100,
    );
    expect(Object.fromEntries(delta)).toEqual({ a: 2.5, b: 0, c: 0.2 });
  });

  it('prints one row per process with its seconds per 1,000 events and the total', () => {
    const report = cpuReport({
      seconds: new Map([
        [HARNESS, 30],
        [`${HARNESS}: main thread`, 12],
        ['DynamoDB Local', 18],
      ]),
      events: 60_000,
      wallSeconds: 42.04,
      loadAverage: [0.5, 2],
    });
    const text = formatCpuReport(report);
    expect(text).toContain('60000 events in 42.0 s; load average 0.5 → 2.0');
    expect(text).toMatch(/harness\s+30\.0\s+0\.500/);
    expect(text).toMatch(/ {4}harness: main thread\s+12\.0\s+0\.200/);
    expect(text).toMatch(/DynamoDB Local\s+18\.0\s+0\.300/);
    expect(text).toMatch(/total\s+48\.0\s+0\.800/);
  });
});

describe('a thread reading its own accounting', () => {
  it('sums user and kernel ticks of /proc/thread-self/stat, and nothing off Linux', () => {
    const line = statLine(4107, 'node', 1, { utime: 70, stime: 5 });
    expect(ownThreadTicks((path) => (path === '/proc/thread-self/stat' ? line : ''))).toBe(75);
    expect(
      ownThreadTicks(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });

  it('takes the thread id from /proc/thread-self, and nothing off Linux', () => {
    expect(ownThreadId(() => '4100/task/4107')).toBe(4107);
    expect(
      ownThreadId(() => {
        throw new Error('ENOENT');
      }),
    ).toBeUndefined();
  });
});
