/// <reference path="./pg.d.ts" />
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pg, { type Pool, type PoolClient, type QueryResult } from 'pg';
import { clientOptions } from '../clients.js';
import { LocalAwsError } from '../errors.js';
import { listenEphemeral } from '../internal/net.js';
import {
  COMPAT_FUNCTIONS_SQL,
  type CopyPlan,
  parseJsonAutoRows,
  planStatement,
  TranslationError,
} from './translate.js';

// Redshift returns timestamps/numerics as strings in GetStatementResult; keep pg from parsing them.
for (const oid of [1082, 1114, 1184, 1700, 20]) pg.types.setTypeParser(oid, (v) => v);

type Status = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';

interface ResultSet {
  columns: { name: string; typeName: string }[];
  rows: unknown[][];
}

interface SubStatement {
  id: string;
  sql: string;
  status: Status;
  error?: string;
  createdAt: number;
  updatedAt: number;
  durationNs: number;
  resultRows: number;
  result?: ResultSet;
  queryId: number;
}

interface Statement {
  id: string;
  database: string;
  workgroupName?: string;
  clusterIdentifier?: string;
  parameters?: { name: string; value: string }[];
  subs: SubStatement[];
  isBatch: boolean;
  status: Status;
  error?: string;
  createdAt: number;
  updatedAt: number;
  durationNs: number;
  pid?: number;
}

/** A fault: the next `count` statements whose SQL matches `pattern` fail with `error`. */
export interface RedshiftFault {
  readonly pattern: string;
  /** Regex flags for `pattern` (default 'i'). */
  readonly flags?: string;
  readonly count: number;
  readonly error: string;
}

/** The stand-in's HTTP server. */
export interface RedshiftDataServer {
  readonly endpoint: string;
  /** Fail the next N statements matching a pattern (also `POST /_streamlens/faults`). */
  injectFault(fault: RedshiftFault): void;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const nowSeconds = () => Date.now() / 1000;
const TYPE_NAMES: Record<number, string> = {
  16: 'bool',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  700: 'float4',
  701: 'float8',
  1043: 'varchar',
  1082: 'date',
  1114: 'timestamp',
  1184: 'timestamptz',
  1700: 'numeric',
  114: 'super',
  3802: 'super',
};

function toField(value: unknown, typeName: string): Record<string, unknown> {
  if (value === null || value === undefined) return { isNull: true };
  if (typeof value === 'boolean') return { booleanValue: value };
  if (typeof value === 'number') {
    return Number.isInteger(value) && typeName.startsWith('int')
      ? { longValue: value }
      : { doubleValue: value };
  }
  if (typeName === 'int8' && typeof value === 'string') return { longValue: Number(value) };
  if (value instanceof Date) return { stringValue: value.toISOString() };
  if (Buffer.isBuffer(value)) return { blobValue: value.toString('base64') };
  if (typeof value === 'object') return { stringValue: JSON.stringify(value) };
  return { stringValue: String(value) };
}

/**
 * Start the Redshift Data API stand-in over a PostgreSQL server; COPY reads from `s3Env`'s S3.
 * Databases are created and prepared as the superuser (through `adminSocketDir`); every statement
 * a caller sends runs as `statementUser`, which owns those databases and nothing more.
 */
export async function startRedshiftDataServer(opts: {
  readonly pgPort: number;
  readonly adminSocketDir: string;
  readonly statementUser: { readonly user: string; readonly password: string };
  readonly s3Env: Readonly<Record<string, string>>;
  readonly log?: (message: string) => void;
}): Promise<RedshiftDataServer> {
  const admin = new pg.Pool({
    host: opts.adminSocketDir,
    port: opts.pgPort,
    user: 'postgres',
    database: 'postgres',
    max: 2,
  });
  admin.on('error', () => {});
  const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const databases = new Map<string, Promise<Pool>>();
  const prepare = async (database: string): Promise<Pool> => {
    // Redshift Serverless has `dev` by default; any name the caller gives is created on first use.
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rows.length === 0) {
      await admin.query(`CREATE DATABASE ${quoteIdent(database)}`).catch((error) => {
        if (!/already exists/.test((error as Error).message)) throw error;
      });
    }
    // Owning the database (and so its public schema, PostgreSQL 15's pg_database_owner) lets the
    // statement role create schemas and tables there; it grants nothing outside the database.
    await admin.query(
      `ALTER DATABASE ${quoteIdent(database)} OWNER TO ${quoteIdent(opts.statementUser.user)}`,
    );
    const setup = new pg.Pool({
      host: opts.adminSocketDir,
      port: opts.pgPort,
      user: 'postgres',
      database,
      max: 1,
    });
    setup.on('error', () => {});
    try {
      await setup.query(COMPAT_FUNCTIONS_SQL);
    } finally {
      await setup.end();
    }
    const statements = new pg.Pool({
      host: '127.0.0.1',
      port: opts.pgPort,
      user: opts.statementUser.user,
      password: opts.statementUser.password,
      database,
      max: 8,
    });
    statements.on('error', () => {});
    return statements;
  };
  const poolFor = (database: string): Promise<Pool> => {
    let pool = databases.get(database);
    if (!pool) {
      pool = prepare(database);
      databases.set(database, pool);
      pool.catch(() => databases.delete(database));
    }
    return pool;
  };
  let s3: S3Client | undefined;
  const s3Client = () => {
    s3 ??= new S3Client({ ...clientOptions(opts.s3Env, 's3'), forcePathStyle: true });
    return s3;
  };
  const statements = new Map<string, Statement>();
  const faults: { re: RegExp; remaining: number; error: string }[] = [];
  let queryIds = 1000;

  const takeFault = (sql: string): string | undefined => {
    for (const fault of faults) {
      if (fault.remaining > 0 && fault.re.test(sql)) {
        fault.remaining -= 1;
        return fault.error;
      }
    }
    return undefined;
  };

  const runCopy = async (client: PoolClient, plan: CopyPlan): Promise<number> => {
    const source = `s3://${plan.bucket}/${plan.key}`;
    let bytes: Uint8Array;
    try {
      const object = await s3Client().send(
        new GetObjectCommand({ Bucket: plan.bucket, Key: plan.key }),
      );
      bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      throw new TranslationError(
        `S3ServiceException:The specified key does not exist or is not readable: ${source} (${(error as Error).name})`,
      );
    }
    let text: string;
    try {
      text = Buffer.from(plan.gzip ? gunzipSync(bytes) : bytes).toString('utf8');
    } catch (error) {
      throw new TranslationError(`Load from '${source}' failed: GZIP: ${(error as Error).message}`);
    }
    const rows = parseJsonAutoRows(text, source, plan.format === 'json-auto-ignorecase');
    const columns = await client.query<{ name: string; type: string }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
         FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum`,
      [plan.table],
    );
    const targets = plan.columns
      ? columns.rows.filter((c) => plan.columns?.includes(c.name))
      : columns.rows;
    if (rows.length === 0 || targets.length === 0) return 0;
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const list = targets.map((c) => quote(c.name)).join(', ');
    const defs = targets.map((c) => `${quote(c.name)} ${c.type}`).join(', ');
    // Nested objects/arrays are kept as JSON for json/jsonb (SUPER) columns; jsonb_to_recordset
    // casts the rest the way PostgreSQL casts text, and its errors name the offending value.
    const chunk = 5_000;
    let inserted = 0;
    for (let i = 0; i < rows.length; i += chunk) {
      const result = await client.query(
        `INSERT INTO ${plan.table} (${list}) SELECT ${list} FROM jsonb_to_recordset($1::jsonb) AS x(${defs})`,
        [JSON.stringify(rows.slice(i, i + chunk))],
      );
      inserted += result.rowCount ?? 0;
    }
    return inserted;
  };

  const runOne = async (
    client: PoolClient,
    sub: SubStatement,
    params?: Statement['parameters'],
  ) => {
    sub.status = 'STARTED';
    const started = Date.now();
    const fault = takeFault(sub.sql);
    if (fault) throw new TranslationError(fault);
    const plan = planStatement(sub.sql);
    if (plan.kind === 'copy') {
      sub.resultRows = await runCopy(client, plan);
    } else {
      const values = plan.parameterNames.map((name) => {
        const found = params?.find((p) => p.name === name);
        if (!found) throw new TranslationError(`parameter :${name} has no value`);
        return found.value;
      });
      const result = await client.query(plan.sql, values.length > 0 ? values : undefined);
      const multi = Array.isArray(result) ? (result as QueryResult[]) : [result];
      const last = multi[multi.length - 1] as QueryResult;
      if (last.command === 'SELECT' || (last.fields && last.fields.length > 0)) {
        const columns = last.fields.map((f) => ({
          name: f.name,
          typeName: TYPE_NAMES[f.dataTypeID] ?? 'varchar',
        }));
        sub.result = {
          columns,
          rows: last.rows.map((row) =>
            columns.map((c) => (row as Record<string, unknown>)[c.name]),
          ),
        };
        sub.resultRows = last.rows.length;
      } else {
        sub.resultRows = last.rowCount ?? -1;
      }
    }
    sub.durationNs = (Date.now() - started) * 1e6;
  };

  const execute = async (statement: Statement) => {
    if (statement.status === 'ABORTED') return;
    statement.status = 'PICKED';
    statement.updatedAt = nowSeconds();
    const started = Date.now();
    let client: PoolClient | undefined;
    let current: SubStatement | undefined;
    try {
      const connected = await (await poolFor(statement.database)).connect();
      client = connected;
      statement.pid = client.processID;
      statement.status = 'STARTED';
      if (statement.isBatch) await connected.query('BEGIN');
      for (const sub of statement.subs) {
        current = sub;
        await runOne(connected, sub, statement.parameters);
        sub.status = 'FINISHED';
        sub.updatedAt = nowSeconds();
      }
      if (statement.isBatch) await connected.query('COMMIT');
      statement.status = 'FINISHED';
    } catch (error) {
      const message = (error as Error).message;
      const text = error instanceof TranslationError ? message : `ERROR: ${message}`;
      if (client && statement.isBatch) await client.query('ROLLBACK').catch(() => {});
      statement.status = 'FAILED';
      statement.error = text;
      for (const sub of statement.subs) {
        if (sub === current) {
          sub.status = 'FAILED';
          sub.error = text;
        } else if (sub.status !== 'FINISHED') sub.status = 'ABORTED';
        else if (statement.isBatch) sub.status = 'ABORTED';
        sub.updatedAt = nowSeconds();
      }
      opts.log?.(`statement ${statement.id} failed: ${text}`);
    } finally {
      client?.release();
      statement.durationNs = (Date.now() - started) * 1e6;
      statement.updatedAt = nowSeconds();
    }
  };

  const submit = (
    input: Record<string, unknown>,
    sqls: string[],
    isBatch: boolean,
  ): Record<string, unknown> => {
    if (sqls.length === 0 || sqls.some((s) => typeof s !== 'string' || s.trim() === '')) {
      throw new ApiError('ValidationException', 'Sql must not be empty');
    }
    if (!input.WorkgroupName && !input.ClusterIdentifier) {
      throw new ApiError(
        'ValidationException',
        'Either ClusterIdentifier or WorkgroupName must be specified',
      );
    }
    const database = typeof input.Database === 'string' ? input.Database : '';
    if (!database) throw new ApiError('ValidationException', 'Database must be specified');
    const id = randomUUID();
    const created = nowSeconds();
    const statement: Statement = {
      id,
      database,
      ...(typeof input.WorkgroupName === 'string' ? { workgroupName: input.WorkgroupName } : {}),
      ...(typeof input.ClusterIdentifier === 'string'
        ? { clusterIdentifier: input.ClusterIdentifier }
        : {}),
      ...(Array.isArray(input.Parameters)
        ? { parameters: input.Parameters as { name: string; value: string }[] }
        : {}),
      isBatch,
      subs: sqls.map((sql, i) => ({
        id: isBatch ? `${id}:${i + 1}` : id,
        sql,
        status: 'SUBMITTED',
        createdAt: created,
        updatedAt: created,
        durationNs: 0,
        resultRows: -1,
        queryId: ++queryIds,
      })),
      status: 'SUBMITTED',
      createdAt: created,
      updatedAt: created,
      durationNs: 0,
    };
    statements.set(id, statement);
    // Asynchronous like the real API: the call returns before the SQL runs.
    setImmediate(() => void execute(statement));
    return {
      Id: id,
      CreatedAt: created,
      Database: database,
      ...(statement.workgroupName ? { WorkgroupName: statement.workgroupName } : {}),
      ...(statement.clusterIdentifier ? { ClusterIdentifier: statement.clusterIdentifier } : {}),
      ...(typeof input.DbUser === 'string' ? { DbUser: input.DbUser } : {}),
    };
  };

  const find = (id: unknown): { statement: Statement; sub?: SubStatement } => {
    if (typeof id !== 'string') throw new ApiError('ValidationException', 'Id must be specified');
    const [base] = id.split(':');
    const statement = statements.get(base as string);
    if (!statement) {
      throw new ApiError('ResourceNotFoundException', `Query ${id} not found`, { ResourceId: id });
    }
    const sub = statement.subs.find((s) => s.id === id);
    return sub ? { statement, sub } : { statement };
  };

  const describe = (input: Record<string, unknown>) => {
    const { statement } = find(input.Id);
    const only = statement.subs[0] as SubStatement;
    const hasResult = !statement.isBatch && statement.status === 'FINISHED' && !!only.result;
    return {
      Id: statement.id,
      Status: statement.status,
      ...(statement.error ? { Error: statement.error } : {}),
      CreatedAt: statement.createdAt,
      UpdatedAt: statement.updatedAt,
      Duration: statement.status === 'FINISHED' ? statement.durationNs : -1,
      Database: statement.database,
      DbUser: 'IAM:streamlens',
      ...(statement.workgroupName ? { WorkgroupName: statement.workgroupName } : {}),
      ...(statement.clusterIdentifier ? { ClusterIdentifier: statement.clusterIdentifier } : {}),
      HasResultSet: hasResult,
      ...(statement.isBatch ? {} : { QueryString: only.sql, RedshiftQueryId: only.queryId }),
      ...(statement.pid !== undefined ? { RedshiftPid: statement.pid } : {}),
      ResultRows: statement.isBatch ? -1 : only.resultRows,
      ResultSize: -1,
      ...(statement.parameters ? { QueryParameters: statement.parameters } : {}),
      ...(statement.isBatch
        ? {
            SubStatements: statement.subs.map((sub) => ({
              Id: sub.id,
              Status: sub.status,
              ...(sub.error ? { Error: sub.error } : {}),
              QueryString: sub.sql,
              CreatedAt: sub.createdAt,
              UpdatedAt: sub.updatedAt,
              Duration: sub.status === 'FINISHED' ? sub.durationNs : -1,
              HasResultSet: sub.status === 'FINISHED' && !!sub.result,
              ResultRows: sub.resultRows,
              RedshiftQueryId: sub.queryId,
            })),
          }
        : {}),
    };
  };

  const getResult = (input: Record<string, unknown>) => {
    const { statement, sub } = find(input.Id);
    const target = sub ?? (statement.isBatch ? undefined : statement.subs[0]);
    if (!target || statement.status !== 'FINISHED' || !target.result) {
      throw new ApiError(
        'ResourceNotFoundException',
        `Query does not have result. Please check query status with DescribeStatement.`,
        { ResourceId: String(input.Id) },
      );
    }
    const { columns, rows } = target.result;
    // Pages of 1000 rows; NextToken is the offset (opaque to clients).
    const offset = typeof input.NextToken === 'string' ? Number(input.NextToken) : 0;
    const page = rows.slice(offset, offset + 1000);
    return {
      Records: page.map((row) => row.map((v, i) => toField(v, columns[i]?.typeName ?? ''))),
      ColumnMetadata: columns.map((c) => ({
        name: c.name,
        label: c.name,
        typeName: c.typeName,
        isCaseSensitive: c.typeName === 'varchar' || c.typeName === 'text',
        isCurrency: false,
        isSigned: ['int2', 'int4', 'int8', 'float4', 'float8', 'numeric'].includes(c.typeName),
        nullable: 1,
        precision: 0,
        scale: 0,
        schemaName: '',
        tableName: '',
        columnDefault: '',
        length: 0,
      })),
      TotalNumRows: rows.length,
      ...(offset + 1000 < rows.length ? { NextToken: String(offset + 1000) } : {}),
    };
  };

  const cancel = (input: Record<string, unknown>) => {
    const { statement } = find(input.Id);
    if (statement.status === 'SUBMITTED' || statement.status === 'PICKED') {
      statement.status = 'ABORTED';
      return { Status: true };
    }
    return { Status: false };
  };

  const list = () => ({
    Statements: [...statements.values()].slice(-100).map((s) => ({
      Id: s.id,
      Status: s.status,
      CreatedAt: s.createdAt,
      UpdatedAt: s.updatedAt,
      IsBatchStatement: s.isBatch,
      ...(s.isBatch ? { QueryStrings: s.subs.map((x) => x.sql) } : { QueryString: s.subs[0]?.sql }),
    })),
  });

  const injectFault = (fault: RedshiftFault) => {
    faults.push({
      re: new RegExp(fault.pattern, fault.flags ?? 'i'),
      remaining: fault.count,
      error: fault.error,
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, payload: unknown) => {
      const text = JSON.stringify(payload);
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
      });
      res.end(text);
    };
    try {
      if (req.url?.startsWith('/_streamlens/faults')) {
        injectFault(JSON.parse(body) as RedshiftFault);
        send(200, { ok: true });
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = (body ? JSON.parse(body) : {}) as Record<string, unknown>;
      const operation = target.startsWith('RedshiftData.') ? target.slice(13) : '';
      switch (operation) {
        case 'ExecuteStatement':
          send(200, submit(input, [input.Sql as string], false));
          return;
        case 'BatchExecuteStatement':
          send(200, submit(input, (input.Sqls as string[]) ?? [], true));
          return;
        case 'DescribeStatement':
          send(200, describe(input));
          return;
        case 'GetStatementResult':
          send(200, getResult(input));
          return;
        case 'CancelStatement':
          send(200, cancel(input));
          return;
        case 'ListStatements':
          send(200, list());
          return;
        default:
          throw new ApiError('UnknownOperationException', `unknown operation '${target}'`);
      }
    } catch (error) {
      if (error instanceof ApiError) {
        send(400, { __type: error.type, message: error.message, ...error.extra });
      } else {
        send(500, { __type: 'InternalServerException', message: (error as Error).message });
      }
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  const endpoint = await listenEphemeral(server);
  return {
    endpoint,
    injectFault,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      s3?.destroy();
      const pools = await Promise.allSettled(databases.values());
      await Promise.all(
        pools.map((p) => (p.status === 'fulfilled' ? p.value.end().catch(() => {}) : undefined)),
      );
      await admin.end().catch(() => {});
    },
  };
}

/** Fail the next `count` statements matching `pattern` on a running stand-in (from any process). */
export async function injectRedshiftFault(endpoint: string, fault: RedshiftFault): Promise<void> {
  const response = await fetch(`${endpoint}/_streamlens/faults`, {
    method: 'POST',
    body: JSON.stringify(fault),
  });
  if (!response.ok) throw new LocalAwsError(`fault injection failed: HTTP ${response.status}`);
}
