import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  Agent,
  type AgentConfig,
  createProcessor,
  type DataProcessingOption,
  ProducerConfigError,
} from '../../src/index.js';
import { MemorySink, tempDir } from '../helpers/agent.js';

const run = (options: DataProcessingOption[], text: string, now = () => 1_700_000_000_000) =>
  createProcessor(options, 'test', now)?.(text);

describe('dataProcessingOptions', () => {
  it('SINGLELINE joins a multi-line record without newlines and surrounding spaces', () => {
    // Act
    const out = run([{ optionName: 'SINGLELINE' }], '{\n  "a": 1,\n  "b": [2, 3]\n}\r\n');
    // Assess
    expect(out).toEqual({ ok: true, text: '{"a": 1,"b": [2, 3]}' });
  });

  it('CSVTOJSON names the fields', () => {
    // Act
    const out = run(
      [{ optionName: 'CSVTOJSON', customFieldNames: ['f1', 'f2'], delimiter: '|' }],
      'v1|v2',
    );
    // Assess
    expect(out).toEqual({ ok: true, text: '{"f1":"v1","f2":"v2"}' });
  });

  it('LOGTOJSON parses the Apache and syslog formats with their field names', () => {
    // Prepare
    const common =
      '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326';
    const combined = `${common} "http://www.example.com/start.html" "Mozilla/4.08"`;
    const error =
      '[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187] File does not exist: /usr/local/apache2/htdocs/favicon.ico';
    const syslog =
      'Mar  7 04:02:16 avas clamd[11165]: /var/amavis/amavis-20040307T033734-10329/parts/part-00003: Worm.Mydoom.F FOUND';
    // Act
    const c = run([{ optionName: 'LOGTOJSON', logFormat: 'COMMONAPACHELOG' }], common);
    const cb = run([{ optionName: 'LOGTOJSON', logFormat: 'COMBINEDAPACHELOG' }], combined);
    const e = run([{ optionName: 'LOGTOJSON', logFormat: 'APACHEERRORLOG' }], error);
    const s = run([{ optionName: 'LOGTOJSON', logFormat: 'SYSLOG' }], syslog);
    const bad = run([{ optionName: 'LOGTOJSON', logFormat: 'SYSLOG' }], 'not a syslog line');
    // Assess
    expect(c?.ok && JSON.parse(c.text)).toEqual({
      host: '127.0.0.1',
      ident: '-',
      authuser: 'frank',
      datetime: '10/Oct/2000:13:55:36 -0700',
      request: 'GET /apache_pb.gif HTTP/1.0',
      response: '200',
      bytes: '2326',
    });
    expect(cb?.ok && JSON.parse(cb.text)).toMatchObject({
      referrer: 'http://www.example.com/start.html',
      agent: 'Mozilla/4.08',
    });
    expect(e?.ok && JSON.parse(e.text)).toEqual({
      timestamp: 'Fri Sep 09 10:42:29.902022 2011',
      module: 'core',
      severity: 'error',
      processid: '35708',
      threadid: '4328636416',
      client: '72.15.99.187',
      message: 'File does not exist: /usr/local/apache2/htdocs/favicon.ico',
    });
    expect(s?.ok && JSON.parse(s.text)).toEqual({
      timestamp: 'Mar  7 04:02:16',
      hostname: 'avas',
      program: 'clamd',
      processid: '11165',
      message: '/var/amavis/amavis-20040307T033734-10329/parts/part-00003: Worm.Mydoom.F FOUND',
    });
    expect(bad).toEqual({ ok: false, reason: 'not in SYSLOG format' });
  });

  it('LOGTOJSON takes a custom pattern and field names', () => {
    // Act
    const out = run(
      [
        {
          optionName: 'LOGTOJSON',
          logFormat: 'COMMONAPACHELOG',
          matchPattern: '^(\\S+) (\\d+)$',
          customFieldNames: ['who', 'status'],
        },
      ],
      'alice 404',
    );
    // Assess
    expect(out).toEqual({ ok: true, text: '{"who":"alice","status":"404"}' });
  });

  it('ADDMETADATA wraps the record with the metadata and, if asked, the time; options run in order', () => {
    // Act
    const out = run(
      [
        { optionName: 'SINGLELINE' },
        { optionName: 'ADDMETADATA', timestamp: 'true', metadata: { env: 'dev', team: { id: 7 } } },
      ],
      'a\n b',
    );
    const noTime = run([{ optionName: 'ADDMETADATA', metadata: { env: 'dev' } }], 'x');
    // Assess
    expect(out?.ok && JSON.parse(out.text)).toEqual({
      metadata: { env: 'dev', team: { id: 7 } },
      data: 'ab',
      timestamp: 1_700_000_000_000,
    });
    expect(noTime?.ok && JSON.parse(noTime.text)).toEqual({ metadata: { env: 'dev' }, data: 'x' });
  });

  it('refuses ADDEC2METADATA, unknown options and incomplete ones at configuration time', () => {
    // Act / Assess
    expect(() => run([{ optionName: 'ADDEC2METADATA' }], 'x')).toThrow(/ADDEC2METADATA/);
    expect(() => run([{ optionName: 'NOPE' } as never], 'x')).toThrow(ProducerConfigError);
    expect(() => run([{ optionName: 'CSVTOJSON', customFieldNames: [] }], 'x')).toThrow(
      /customFieldNames/,
    );
    expect(() => run([{ optionName: 'LOGTOJSON', logFormat: 'W3C' as never }], 'x')).toThrow(
      /logFormat/,
    );
  });
});

describe('agent with processing options and CloudWatch metrics', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  it('applies the options to each record, counts unconvertible ones, and writes EMF lines', async () => {
    // Prepare
    const sink = Object.assign(new MemorySink(), {
      metrics: () => ({
        requests: 3,
        retries: 1,
        bytesPut: 120,
        throttled: 0,
        latencyMs: { p99: 12 },
      }),
    });
    const metricsFile = join(dir, 'metrics.emf');
    const config: AgentConfig = {
      checkpointFile: join(dir, 'checkpoints.json'),
      progressIntervalMillis: 0,
      source: 'host-a',
      'cloudwatch.emitMetrics': true,
      'cloudwatch.metricsFile': metricsFile,
      flows: [
        {
          filePattern: join(dir, 'access.log'),
          kinesisStream: 'events',
          dataProcessingOptions: [
            { optionName: 'LOGTOJSON', logFormat: 'COMMONAPACHELOG' },
            { optionName: 'ADDMETADATA', metadata: { env: 'dev' } },
          ],
        },
      ],
    };
    const agent = new Agent(config, { sinkFor: () => sink, log: () => {} });
    await appendFile(
      join(dir, 'access.log'),
      '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 12\ngarbage\n',
    );
    // Act
    await agent.pollOnce();
    agent.emitMetrics();
    await appendFile(
      join(dir, 'access.log'),
      '10.0.0.2 - - [10/Oct/2000:13:55:37 -0700] "GET /b HTTP/1.1" 404 -\n',
    );
    await agent.pollOnce();
    await agent.stop();
    // Assess
    expect(sink.lines().map((l) => JSON.parse(l))).toEqual([
      {
        metadata: { env: 'dev' },
        data: '{"host":"10.0.0.1","ident":"-","authuser":"-","datetime":"10/Oct/2000:13:55:36 -0700","request":"GET / HTTP/1.1","response":"200","bytes":"12"}',
      },
      {
        metadata: { env: 'dev' },
        data: '{"host":"10.0.0.2","ident":"-","authuser":"-","datetime":"10/Oct/2000:13:55:37 -0700","request":"GET /b HTTP/1.1","response":"404","bytes":"-"}',
      },
    ]);
    const emf = (await readFile(metricsFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(emf).toHaveLength(2);
    expect(emf[0]._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'StreamlensAgent',
      Dimensions: [['Host']],
    });
    expect(emf[0]).toMatchObject({
      Host: 'host-a',
      LinesRead: 2,
      RecordsSent: 1,
      ParseErrors: 1,
      ServiceRequests: 3,
      BytesSent: 120,
      SendLatencyP99: 12,
    });
    // Counts are per interval: the second line has only what happened since the first.
    expect(emf[1]).toMatchObject({
      LinesRead: 1,
      RecordsSent: 1,
      ParseErrors: 0,
      ServiceRequests: 0,
    });
  });

  it('writes no metrics unless cloudwatch.emitMetrics is on', async () => {
    // Prepare
    const metricsFile = join(dir, 'metrics.emf');
    const agent = new Agent(
      {
        checkpointFile: join(dir, 'c.json'),
        'cloudwatch.metricsFile': metricsFile,
        flows: [{ filePattern: join(dir, 'x.log'), kinesisStream: 's' }],
      },
      { sinkFor: () => new MemorySink(), log: () => {} },
    );
    // Act
    agent.emitMetrics();
    await agent.stop();
    // Assess
    await expect(readFile(metricsFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
