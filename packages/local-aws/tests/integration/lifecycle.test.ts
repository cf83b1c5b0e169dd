import { existsSync } from 'node:fs';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from '@jest/globals';
import { startLocalAws } from '../../src/index.js';
import { isAlive } from '../helpers/processes.js';

describe('startLocalAws lifecycle', () => {
  it('starts kinesis and s3 on ephemeral ports, creates resources and leaves nothing behind', async () => {
    // Prepare
    const aws = await startLocalAws({ services: ['kinesis', 's3'], quiet: true });
    const s3Pid = aws.details.s3?.pid as number;
    const dataDir = aws.details.s3?.dataDir as string;

    // Act
    const created = await aws.createResources({
      streams: [{ name: 'lifecycle-events', shardCount: 3 }],
      buckets: ['lifecycle-lake'],
    });
    const shards = await aws.readStream('lifecycle-events');
    const kinesis = aws.clients().kinesis;
    await aws.stop();
    const afterStop = await kinesis.send(new ListStreamsCommand({})).catch((e: unknown) => e);

    // Assess
    expect(Object.keys(aws.timings).sort()).toEqual(['kinesis', 's3']);
    expect(aws.endpoints.kinesis).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(aws.env.AWS_ENDPOINT_URL_DYNAMODB).toBeUndefined();
    expect(created.streams?.['lifecycle-events']).toMatch(/^arn:aws:kinesis:/);
    expect(created.buckets?.['lifecycle-lake']).toBe('arn:aws:s3:::lifecycle-lake');
    expect(shards).toEqual([]);
    expect(afterStop).toBeInstanceOf(Error);
    expect(isAlive(s3Pid)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('falls back to dynalite with a warning when no java is found', async () => {
    // Prepare
    const saved = { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME };
    process.env.PATH = '/nonexistent';
    delete process.env.JAVA_HOME;
    const lines: string[] = [];

    // Act
    const aws = await startLocalAws({
      services: ['dynamodb'],
      log: (line) => lines.push(line),
    }).finally(() => Object.assign(process.env, saved));
    const tables = await aws.clients().dynamodb.send(new ListTablesCommand({}));
    await aws.stop();

    // Assess
    expect(aws.details.dynamodb?.engine).toBe('dynalite 4.0.0');
    expect(lines.join('\n')).toMatch(/WARNING: no `java`.*falling back to dynalite/);
    expect(tables.TableNames).toEqual([]);
  });

  it('kills DynamoDB Local on stop', async () => {
    // Prepare
    const aws = await startLocalAws({ services: ['dynamodb'], quiet: true });
    const pid = aws.details.dynamodb?.pid as number;
    const aliveWhileRunning = isAlive(pid);

    // Act
    await aws.stop();

    // Assess
    expect(aws.details.dynamodb?.engine).toBe('DynamoDB Local 1.25');
    expect(aliveWhileRunning).toBe(true);
    expect(isAlive(pid)).toBe(false);
  }, 150_000);

  it('hands a dependency that is already running to its dependant instead of starting a second one', async () => {
    // Prepare
    const s3 = await startLocalAws({ services: ['s3'], quiet: true });
    await s3.createResources({ buckets: ['running-dep'] });

    // Act
    const redshift = await startLocalAws({
      services: ['redshift'],
      quiet: true,
      running: { s3: s3.env },
    });
    const started = Object.keys(redshift.timings).sort();
    await redshift.stop();
    await s3.stop();

    // Assess
    expect(started).toEqual(['redshift']);
    expect(redshift.env.AWS_ENDPOINT_URL_S3).toBeUndefined();
    expect(redshift.env.AWS_ENDPOINT_URL_REDSHIFT_DATA).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  }, 120_000);

  it('runs kinesalite in a child process with STREAMLENS_KINESIS_PROCESS=child and kills it on stop', async () => {
    // Prepare
    const saved = process.env.STREAMLENS_KINESIS_PROCESS;
    process.env.STREAMLENS_KINESIS_PROCESS = 'child';
    const aws = await startLocalAws({ services: ['kinesis'], quiet: true }).finally(() => {
      if (saved === undefined) delete process.env.STREAMLENS_KINESIS_PROCESS;
      else process.env.STREAMLENS_KINESIS_PROCESS = saved;
    });
    const pid = aws.details.kinesis?.pid as number;
    // Act
    await aws.createResources({ streams: [{ name: 'child-events', shardCount: 2 }] });
    const streams = await aws.clients().kinesis.send(new ListStreamsCommand({}));
    const aliveWhileRunning = isAlive(pid);
    await aws.stop();
    // Assess
    expect(aws.details.kinesis?.process).toBe('child');
    expect(pid).not.toBe(process.pid);
    expect(aliveWhileRunning).toBe(true);
    expect(streams.StreamNames).toEqual(['child-events']);
    expect(isAlive(pid)).toBe(false);
  });
});
