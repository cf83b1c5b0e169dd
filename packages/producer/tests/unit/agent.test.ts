import {
  appendFile,
  copyFile,
  readFile,
  rename,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { validateInputEvent } from '@streamlens/schema';
import {
  Agent,
  type AgentConfig,
  CheckpointStore,
  compileFilePattern,
  createParser,
  groupMultiLine,
  splitCsv,
} from '../../src/index.js';
import { lines, MemorySink, tempDir } from '../helpers/agent.js';

const ctx = { fileId: 'f1', offset: 0, source: 'host-a' };

describe('parsers', () => {
  it('turns plain log lines into valid app.log events with deterministic ids', () => {
    // Prepare
    const parse = createParser({
      format: 'log',
      pattern:
        '^(?<time>\\S+) (?<level>\\w+) \\[(?<service>[^\\]]+)\\] (?<message>.*?)(?: trace=(?<traceId>\\w+))?(?: user=(?<user>\\w+))?$',
    });
    // Act
    const a = parse('2026-01-01T10:00:00Z WARNING [checkout] slow call trace=abc123 user=u7', ctx);
    const b = parse('2026-01-01T10:00:00Z WARNING [checkout] slow call trace=abc123 user=u7', ctx);
    const c = parse('2026-01-01T10:00:00Z INFO [checkout] ok', { ...ctx, offset: 99 });
    // Assess
    expect(a.ok).toBe(true);
    if (a.ok !== true || b.ok !== true || c.ok !== true) return;
    const event = JSON.parse(a.data);
    expect(validateInputEvent(event).ok).toBe(true);
    expect(event).toMatchObject({
      type: 'app.log',
      time: '2026-01-01T10:00:00.000Z',
      subject: 'checkout',
      data: {
        level: 'WARN',
        service: 'checkout',
        message: 'slow call',
        traceId: 'abc123',
        attributes: { user: 'u7' },
      },
    });
    expect(a.partitionKey).toBe('checkout');
    expect(JSON.parse(b.data).id).toBe(event.id);
    expect(JSON.parse(c.data).id).not.toBe(event.id);
    expect(parse('garbage', ctx)).toEqual({ ok: false, reason: 'NO_MATCH' });
  });

  it('maps CSV columns to telemetry readings, skipping the header', () => {
    const parse = createParser({
      format: 'csv',
      header: true,
      metricColumn: 'metric',
      valueColumn: 'value',
      timeColumn: 'ts',
      dimensionColumns: ['host', 'region'],
      unit: 'Percent',
    });
    expect(parse('ts,host,region,metric,value', ctx)).toEqual({ ok: 'skip' });
    const r = parse('1767261600,web-1,"eu-west-1",cpu.utilization,42.5', ctx);
    expect(r.ok).toBe(true);
    if (r.ok !== true) return;
    const event = JSON.parse(r.data);
    expect(validateInputEvent(event).ok).toBe(true);
    expect(event.data).toEqual({
      metric: 'cpu.utilization',
      value: 42.5,
      unit: 'Percent',
      dimensions: { host: 'web-1', region: 'eu-west-1' },
    });
    expect(event.time).toBe('2026-01-01T10:00:00.000Z');
    expect(r.partitionKey).toBe('web-1');
    expect(parse('1767261600,web-1,eu,cpu,abc', ctx)).toEqual({
      ok: false,
      reason: 'NON_FINITE_NUMBER',
    });
  });

  it('forwards JSON lines as they are, keyed by subject, and flags bad JSON', () => {
    const parse = createParser({ format: 'json' });
    const line = '{"id":"e1","subject":"dev-3","x":1}';
    expect(parse(line, ctx)).toEqual({ ok: true, data: line, partitionKey: 'dev-3' });
    expect(parse('{"id":', ctx)).toEqual({ ok: false, reason: 'INVALID_JSON' });
  });

  it('splits quoted CSV and groups multi-line records', () => {
    expect(splitCsv('a,"b,c","d ""e"""')).toEqual(['a', 'b,c', 'd "e"']);
    const grouped = groupMultiLine(
      [
        { text: '2026 ERROR boom', offset: 0, end: 16 },
        { text: '  at f()', offset: 16, end: 25 },
        { text: '2026 INFO next', offset: 25, end: 40 },
        { text: '  more', offset: 40, end: 47 },
      ],
      /^\d{4} /,
      false,
    );
    expect(grouped).toEqual([{ text: '2026 ERROR boom\n  at f()', offset: 0, end: 25 }]);
  });

  it('compiles file patterns with wildcards in the name only', () => {
    const { dir, re } = compileFilePattern('/var/log/app/*.log');
    expect(dir).toBe('/var/log/app');
    expect(re.test('a.log')).toBe(true);
    expect(re.test('a.log.1')).toBe(false);
    expect(() => compileFilePattern('/var/*/x.log')).toThrow(/file name only/);
  });
});

describe('Agent', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let sink: MemorySink;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    sink = new MemorySink();
  });
  afterEach(async () => {
    await cleanup();
  });

  const config = (
    over: Partial<AgentConfig['flows'][number]> = {},
    top: Partial<AgentConfig> = {},
  ): AgentConfig => ({
    checkpointFile: join(dir, 'state', 'checkpoints.json'),
    rotatedFileGraceMillis: 0,
    retryInitialBackoffMillis: 1,
    retryMaxBackoffMillis: 2,
    progressIntervalMillis: 0,
    ...top,
    flows: [
      {
        filePattern: join(dir, 'app.log*'),
        kinesisStream: 'events',
        partitionKeyOption: 'FILE',
        ...over,
      },
    ],
  });
  const newAgent = (cfg: AgentConfig = config()) =>
    new Agent(cfg, { sinkFor: () => sink, log: () => {} });
  const write = (name: string, ls: string[]) =>
    appendFile(join(dir, name), ls.map((l) => `${l}\n`).join(''));

  it('sends every complete line once, in order, and waits for a truncated last line', async () => {
    // Prepare
    const agent = newAgent();
    await write('app.log', lines(0, 1200));
    await appendFile(join(dir, 'app.log'), 'partial-li');
    // Act
    await agent.pollOnce();
    const before = sink.lines().length;
    await appendFile(join(dir, 'app.log'), 'ne\n');
    await agent.pollOnce();
    // Assess
    expect(before).toBe(1200);
    expect(sink.lines()).toEqual([...lines(0, 1200), 'partial-line']);
    await agent.stop();
  });

  it('follows rename rotation (rotated name still matching) without loss or duplicates', async () => {
    const agent = newAgent();
    await write('app.log', lines(0, 100));
    await agent.pollOnce();
    await write('app.log', lines(100, 150));
    await rename(join(dir, 'app.log'), join(dir, 'app.log.1'));
    await write('app.log', lines(150, 200));
    await agent.pollOnce();
    await agent.pollOnce();
    expect(sink.lines()).toEqual(lines(0, 200));
    expect(agent.stats().rotations).toBe(1);
    await agent.stop();
  });

  it('drains a file renamed out of the pattern before letting it go', async () => {
    const agent = newAgent(config({ filePattern: join(dir, 'app.log') }));
    await write('app.log', lines(0, 10));
    await agent.pollOnce();
    await write('app.log', lines(10, 30));
    await rename(join(dir, 'app.log'), join(dir, 'old-app.log'));
    await write('app.log', lines(30, 40));
    await agent.pollOnce();
    await agent.pollOnce();
    expect(sink.lines()).toEqual(lines(0, 40));
    expect(agent.stats().files).toBe(1);
    await agent.stop();
  });

  it('reads the unread tail from the copy after copy-truncate rotation', async () => {
    // Prepare
    const agent = newAgent();
    await write('app.log', lines(0, 100));
    await agent.pollOnce();
    await write('app.log', lines(100, 120)); // written, not read yet
    // Act: logrotate copytruncate.
    await copyFile(join(dir, 'app.log'), join(dir, 'app.log.1'));
    await truncate(join(dir, 'app.log'), 0);
    await write('app.log', lines(120, 150));
    await agent.pollOnce();
    await agent.pollOnce();
    // Assess
    expect(sink.lines()).toEqual(lines(0, 150));
    expect(agent.stats().truncations).toBe(1);
    await agent.stop();
  });

  it('drains a file deleted while it is being read', async () => {
    const agent = newAgent();
    await write('app.log', lines(0, 5));
    await agent.pollOnce();
    await write('app.log', lines(5, 500));
    await unlink(join(dir, 'app.log'));
    await agent.pollOnce();
    expect(sink.lines()).toEqual(lines(0, 500));
    expect(agent.stats().files).toBe(0);
    await agent.stop();
  });

  it('resumes from its checkpoint after a restart', async () => {
    // Prepare
    const first = newAgent();
    await write('app.log', lines(0, 100));
    await first.pollOnce();
    await first.stop();
    await write('app.log', lines(100, 130));
    // Act
    const second = newAgent();
    await second.pollOnce();
    // Assess
    expect(sink.lines()).toEqual(lines(0, 130));
    const saved = JSON.parse(await readFile(join(dir, 'state', 'checkpoints.json'), 'utf8'));
    expect(saved.files[0].offset).toBe(lines(0, 130).join('\n').length + 1);
    await second.stop();
  });

  it('re-sends records the sink refused until accepted, without duplicates', async () => {
    // Prepare: the sink refuses the first 15 puts (a producer that gave up).
    const agent = newAgent(config({ maxBufferSizeRecords: 10 }));
    await write('app.log', lines(0, 40));
    sink.failNext(15);
    // Act
    await agent.pollOnce();
    // Assess
    expect([...sink.lines()].sort()).toEqual([...lines(0, 40)].sort());
    expect(agent.stats().sinkRetries).toBe(15);
    expect(agent.stats().recordsSent).toBe(40);
    await agent.stop();
  });

  it('starts at the end of existing files with END_OF_FILE, and skips header lines', async () => {
    await write('app.log', lines(0, 50));
    const agent = newAgent(config({ initialPosition: 'END_OF_FILE' }));
    await agent.pollOnce();
    await write('app.log', lines(50, 55));
    await write('app.log.csv', ['h1', 'x', 'y']);
    await agent.pollOnce();
    expect(sink.lines().slice(0, 5)).toEqual(lines(50, 55));
    await agent.stop();

    const headerSink = new MemorySink();
    const csvAgent = new Agent(config({ filePattern: join(dir, '*.csv'), skipHeaderLines: 1 }), {
      sinkFor: () => headerSink,
      log: () => {},
    });
    await csvAgent.pollOnce();
    expect(headerSink.lines()).toEqual(['x', 'y']);
    await csvAgent.stop();
  });

  it('sends multi-line records whole', async () => {
    const agent = newAgent(
      config({ multiLineStartPattern: '^\\d{4}-' }, { multiLineFlushMillis: 60_000 }),
    );
    await writeFile(
      join(dir, 'app.log'),
      '2026-01 ERROR boom\n  at a()\n  at b()\n2026-01 INFO ok\n',
    );
    await agent.pollOnce();
    expect(sink.lines()).toEqual(['2026-01 ERROR boom\n  at a()\n  at b()']);
    await appendFile(join(dir, 'app.log'), '2026-01 INFO next\n');
    await agent.pollOnce();
    expect(sink.lines()).toEqual(['2026-01 ERROR boom\n  at a()\n  at b()', '2026-01 INFO ok']);
    await agent.stop();
  });
});

describe('CheckpointStore', () => {
  it('round-trips through an atomic rename and leaves no temporary file', async () => {
    const { dir, cleanup } = await tempDir();
    const store = new CheckpointStore(join(dir, 'cp.json'));
    store.set({
      flow: 'f',
      path: '/x',
      dev: 1,
      ino: 2,
      fingerprint: 'ab',
      fingerprintBytes: 3,
      offset: 42,
      updatedAt: 't',
    });
    await Promise.all([store.save(), store.save()]);
    const again = new CheckpointStore(join(dir, 'cp.json'));
    await again.load();
    expect(again.get('f', 1, 2)?.offset).toBe(42);
    await expect(readFile(join(dir, 'cp.json.tmp'))).rejects.toThrow();
    await cleanup();
  });
});
