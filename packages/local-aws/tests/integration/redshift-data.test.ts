import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  ValidationException,
} from '@aws-sdk/client-redshift-data';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '../../src/connect.js';
import {
  injectRedshiftFault,
  NON_S3_COPY_ERROR,
  STATEMENT_ROLE,
} from '../../src/redshift-data/index.js';
import { BROWSER_FORM_POST, rawRequest } from '../helpers/http.js';

const aws = connectLocalAws();
const rs = () => aws.clients().redshiftData;
const target = { WorkgroupName: 'streamlens', Database: 'dev' } as const;
const bucket = `rs-standin-${Date.now()}`;

async function waitDone(id: string): Promise<DescribeStatementResponse> {
  for (let i = 0; i < 400; i += 1) {
    const d = await rs().send(new DescribeStatementCommand({ Id: id }));
    if (d.Status === 'FINISHED' || d.Status === 'FAILED' || d.Status === 'ABORTED') return d;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`statement ${id} did not finish`);
}

async function run(sql: string, parameters?: { name: string; value: string }[]) {
  const { Id } = await rs().send(
    new ExecuteStatementCommand({
      ...target,
      Sql: sql,
      ...(parameters ? { Parameters: parameters } : {}),
    }),
  );
  return waitDone(Id as string);
}

beforeAll(async () => {
  await aws.createResources({ buckets: [bucket] });
});
afterAll(() => aws.close());

describe('Redshift Data API stand-in', () => {
  it('runs DDL with Redshift clauses, then parameterised SQL, and returns typed fields', async () => {
    // Prepare
    const ddl = await run(
      `CREATE TABLE t_basic (id VARCHAR(64) NOT NULL ENCODE zstd, n BIGINT, x DOUBLE PRECISION, ok BOOLEAN, d SUPER, at TIMESTAMP DEFAULT GETDATE()) DISTKEY(id) SORTKEY(at)`,
    );
    expect(ddl.Status).toBe('FINISHED');
    // Act
    const insert = await run(
      `INSERT INTO t_basic (id, n, x, ok, d) VALUES (:id, :n, 1.5, true, '{"a":1}'::jsonb)`,
      [
        { name: 'id', value: 'a' },
        { name: 'n', value: '42' },
      ],
    );
    const select = await run('SELECT id, n, x, ok, d, NULL::text AS nothing FROM t_basic');
    const result = await rs().send(new GetStatementResultCommand({ Id: select.Id }));
    // Assess
    expect(insert.ResultRows).toBe(1);
    expect(select.HasResultSet).toBe(true);
    expect(result.TotalNumRows).toBe(1);
    expect(result.ColumnMetadata?.map((c) => c.name)).toEqual([
      'id',
      'n',
      'x',
      'ok',
      'd',
      'nothing',
    ]);
    expect(result.Records?.[0]).toEqual([
      { stringValue: 'a' },
      { longValue: 42 },
      { doubleValue: 1.5 },
      { booleanValue: true },
      { stringValue: '{"a":1}' },
      { isNull: true },
    ]);
  });

  it('reports PostgreSQL error text on FAILED and rejects calls without a workgroup', async () => {
    const failed = await run('SELECT * FROM no_such_table');
    expect(failed.Status).toBe('FAILED');
    expect(failed.Error).toMatch(/relation "no_such_table" does not exist/);
    await expect(
      rs().send(new ExecuteStatementCommand({ Database: 'dev', Sql: 'SELECT 1' })),
    ).rejects.toBeInstanceOf(ValidationException);
  });

  it('runs a batch in one transaction: a failing sub-statement rolls back the others', async () => {
    await run('CREATE TABLE t_batch (id int PRIMARY KEY)');
    const { Id } = await rs().send(
      new BatchExecuteStatementCommand({
        ...target,
        Sqls: ['INSERT INTO t_batch VALUES (1)', 'INSERT INTO t_batch VALUES (1)'],
      }),
    );
    const d = await waitDone(Id as string);
    expect(d.Status).toBe('FAILED');
    expect(d.SubStatements?.map((s) => s.Status)).toEqual(['ABORTED', 'FAILED']);
    expect(d.SubStatements?.[1]?.Error).toMatch(/duplicate key/);
    const count = await run('SELECT count(*)::int AS c FROM t_batch');
    const result = await rs().send(new GetStatementResultCommand({ Id: count.Id }));
    expect(result.Records?.[0]?.[0]).toEqual({ longValue: 0 });
  });

  it("COPYs gzip NDJSON from the S3 stand-in, matching keys exactly with JSON 'auto' and in any case with 'auto ignorecase'", async () => {
    await run('CREATE TABLE t_copy (id VARCHAR(64), value DOUBLE PRECISION, data SUPER)');
    await run('CREATE TABLE t_copy_ic (id VARCHAR(64), value DOUBLE PRECISION, data SUPER)');
    const body = gzipSync(
      '{"ID":"a","value":1.5,"data":{"k":"v"},"extra":1}\n{"id":"b","value":2,"data":[1,2]}\n',
    );
    await aws
      .clients()
      .s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'events/x.gz', Body: body }));
    const copy = await run(
      `COPY t_copy FROM 's3://${bucket}/events/x.gz' IAM_ROLE 'arn:aws:iam::000000000000:role/copy' FORMAT AS JSON 'auto' GZIP`,
    );
    const copyIgnoringCase = await run(
      `COPY t_copy_ic FROM 's3://${bucket}/events/x.gz' IAM_ROLE 'arn:aws:iam::000000000000:role/copy' FORMAT AS JSON 'auto ignorecase' GZIP`,
    );
    expect(copy.Status).toBe('FINISHED');
    expect(copyIgnoringCase.Status).toBe('FINISHED');
    const rows = async (table: string) => {
      const select = await run(
        `SELECT id, value, data->>'k' AS k, jsonb_typeof(data) AS t FROM ${table} ORDER BY value`,
      );
      return (await rs().send(new GetStatementResultCommand({ Id: select.Id }))).Records;
    };
    // "ID" is not column id for 'auto' (Redshift's column names are lower case).
    expect(await rows('t_copy')).toEqual([
      [{ isNull: true }, { doubleValue: 1.5 }, { stringValue: 'v' }, { stringValue: 'object' }],
      [{ stringValue: 'b' }, { doubleValue: 2 }, { isNull: true }, { stringValue: 'array' }],
    ]);
    expect((await rows('t_copy_ic'))?.map((r) => r[0])).toEqual([
      { stringValue: 'a' },
      { stringValue: 'b' },
    ]);
  });

  it('fails the next N matching statements with the injected error', async () => {
    const endpoint = aws.endpoints.redshift as string;
    await injectRedshiftFault(endpoint, {
      pattern: 'fault_probe',
      count: 1,
      error: 'ERROR: injected',
    });
    const first = await run('SELECT 1 AS fault_probe');
    const second = await run('SELECT 1 AS fault_probe');
    expect(first.Status).toBe('FAILED');
    expect(first.Error).toBe('ERROR: injected');
    expect(second.Status).toBe('FINISHED');
  });
});

describe('Redshift Data API stand-in: what a statement can reach', () => {
  const marker = join(tmpdir(), `streamlens-redshift-program-${process.pid}-${Date.now()}`);
  afterAll(() => rmSync(marker, { force: true }));

  it('runs statements as a role that is not a superuser', async () => {
    // Act
    const d = await run(
      'SELECT current_user AS who, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user',
    );
    const result = await rs().send(new GetStatementResultCommand({ Id: d.Id }));
    // Assess
    expect(result.Records?.[0]).toEqual([
      { stringValue: STATEMENT_ROLE },
      { booleanValue: false },
      { booleanValue: false },
      { booleanValue: false },
    ]);
  });

  it('cannot run a program or read a server file, even past the COPY check', async () => {
    // Act
    const program = await run(`COPY (SELECT 1) TO PROGRAM 'touch ${marker}'`);
    const hidden = await run(`SELECT 1; COPY (SELECT 1) TO PROGRAM 'touch ${marker}'`);
    const read = await run("SELECT pg_read_file('/etc/passwd')");
    const lo = await run("SELECT lo_import('/etc/passwd')");
    // Assess
    expect(program.Status).toBe('FAILED');
    expect(program.Error).toBe(NON_S3_COPY_ERROR);
    expect(hidden.Status).toBe('FAILED');
    expect(hidden.Error).toMatch(/permission denied|must be superuser|pg_execute_server_program/);
    expect(read.Status).toBe('FAILED');
    expect(read.Error).toMatch(/permission denied/);
    expect(lo.Status).toBe('FAILED');
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses COPY from a server file as Redshift refuses a non-S3 load', async () => {
    // Prepare
    await run('CREATE TABLE t_file_copy (line TEXT)');
    // Act
    const d = await run("COPY t_file_copy FROM '/etc/passwd'");
    // Assess
    expect(d.Status).toBe('FAILED');
    expect(d.Error).toBe(NON_S3_COPY_ERROR);
  });

  it('refuses browser-originated requests', async () => {
    // Act
    const answer = await rawRequest(aws.endpoints.redshift as string, {
      headers: { ...BROWSER_FORM_POST, 'x-amz-target': 'RedshiftData.ExecuteStatement' },
      body: JSON.stringify({ ...target, Sql: 'CREATE TABLE t_browser (a int)' }),
    });
    // Assess
    expect(answer.status).toBe(403);
  });
});
