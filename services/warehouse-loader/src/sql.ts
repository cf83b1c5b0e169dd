import { createHash } from 'node:crypto';
import { WarehouseLoaderError } from './errors.js';
import type { LakeObject, LoadTarget } from './notification.js';

/** Table names the loader writes (configurable; schema-qualified names allowed). */
export interface WarehouseTables {
  readonly events: string;
  readonly windows: string;
  readonly ledger: string;
}

export const DEFAULT_TABLES: WarehouseTables = {
  events: 'events',
  windows: 'metrics_windows',
  ledger: 'streamlens_loads',
};

/**
 * A SQL string literal. BatchExecuteStatement takes no parameters, so values are inlined: quotes
 * doubled, and backslashes / control characters refused (Redshift treats backslash as an escape).
 */
export function sqlString(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\\\u0000-\u001f]/.test(value)) {
    throw new WarehouseLoaderError(
      `value not allowed in SQL: ${JSON.stringify(value.slice(0, 200))}`,
    );
  }
  return `'${value.replace(/'/g, "''")}'`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** A configured table name, checked (it is inlined into SQL). */
export function tableName(name: string): string {
  if (!IDENT.test(name)) throw new WarehouseLoaderError(`invalid table name '${name}'`);
  return name;
}

/** Staging columns: the top-level CloudEvent keys COPY JSON 'auto' maps by name. */
const STAGING_COLUMNS = `id VARCHAR(256), type VARCHAR(128), source VARCHAR(256), subject VARCHAR(512), "time" VARCHAR(64), data VARCHAR(65535)`;

const num = (path: string) =>
  `CAST(NULLIF(JSON_EXTRACT_PATH_TEXT(s.data, '${path}'), '') AS DOUBLE PRECISION)`;
const text = (path: string, length: number) =>
  `CAST(NULLIF(JSON_EXTRACT_PATH_TEXT(s.data, ${path
    .split('.')
    .map((p) => `'${p}'`)
    .join(', ')}), '') AS VARCHAR(${length}))`;

function insertEvents(target: string, staging: string, key: string): string {
  // Events are immutable and keyed by id: insert those not yet present (de-duplicated within the
  // object too), which is what a MERGE keyed by id would do, on both Redshift and PostgreSQL.
  return `INSERT INTO ${target} (id, type, source, subject, event_time, metric, value, unit, log_level, log_service, data, lake_key)
SELECT s.id, s.type, s.source, s.subject, CAST(s."time" AS TIMESTAMP),
  ${text('metric', 256)}, ${num('value')}, ${text('unit', 64)}, ${text('level', 16)}, ${text('service', 256)},
  JSON_PARSE(s.data), ${sqlString(key)}
FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY "time") AS rn FROM ${staging}) s
WHERE s.rn = 1 AND s.id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ${target} t WHERE t.id = s.id)`;
}

function insertWindows(target: string, staging: string, key: string): string {
  const windowStart = `CAST(JSON_EXTRACT_PATH_TEXT(s.data, 'windowStart') AS TIMESTAMP)`;
  const revision = `CAST(JSON_EXTRACT_PATH_TEXT(s.data, 'revision') AS INTEGER)`;
  const series = `CAST(JSON_EXTRACT_PATH_TEXT(s.data, 'series') AS VARCHAR(1024))`;
  return `INSERT INTO ${target} (id, series, kind, metric, window_start, window_end, window_seconds, revision, count, sum, min, max, mean, p50, p90, p99, final, data, lake_key)
SELECT s.id, s.series, ${text('kind', 16)}, ${text('metric', 256)}, s.window_start,
  CAST(JSON_EXTRACT_PATH_TEXT(s.data, 'windowEnd') AS TIMESTAMP),
  CAST(${num('windowSeconds')} AS INTEGER), s.revision,
  CAST(${num('count')} AS BIGINT), ${num('sum')}, ${num('min')}, ${num('max')}, ${num('mean')},
  ${num('p50')}, ${num('p90')}, ${num('p99')},
  CASE JSON_EXTRACT_PATH_TEXT(s.data, 'final') WHEN 'true' THEN TRUE ELSE FALSE END,
  JSON_PARSE(s.data), ${sqlString(key)}
FROM (SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.series, x.window_start, x.revision ORDER BY x.id) AS rn
      FROM (SELECT st.*, ${series.replace(/s\.data/g, 'st.data')} AS series, ${windowStart.replace(/s\.data/g, 'st.data')} AS window_start,
              ${revision.replace(/s\.data/g, 'st.data')} AS revision FROM ${staging} st) x) s
WHERE s.rn = 1 AND s.series IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM ${target} t
                  WHERE t.series = s.series AND t.window_start = s.window_start AND t.revision = s.revision)`;
}

/** Inputs of one object's load transaction. */
export interface LoadSqlInput {
  readonly object: LakeObject;
  readonly target: LoadTarget;
  readonly attempt: number;
  readonly copyRoleArn: string;
  readonly tables: WarehouseTables;
  /** Whether lake objects are gzip (Firehose writes GZIP; the aggregator archive is plain). */
  readonly gzip: boolean;
}

/**
 * The statements of one object's load, run as ONE BatchExecuteStatement transaction: lock the
 * ledger (serialises concurrent loads so the existence checks below see every committed load),
 * COPY into a temp staging table, de-duplicating insert into the target, ledger row 'loaded'.
 */
export function loadStatements(input: LoadSqlInput): string[] {
  const { object, tables } = input;
  const ledger = tableName(tables.ledger);
  const target = tableName(input.target === 'events' ? tables.events : tables.windows);
  const staging = `stg_${createHash('sha1').update(`${object.key}\n${object.etag}`).digest('hex').slice(0, 16)}`;
  const key = sqlString(object.key);
  const etag = sqlString(object.etag);
  const source = sqlString(`s3://${object.bucket}/${object.key}`);
  return [
    `LOCK ${ledger}`,
    `CREATE TEMP TABLE ${staging} (${STAGING_COLUMNS})`,
    `COPY ${staging} FROM ${source} IAM_ROLE ${sqlString(input.copyRoleArn)} FORMAT AS JSON 'auto'${input.gzip ? ' GZIP' : ''}`,
    input.target === 'events'
      ? insertEvents(target, staging, object.key)
      : insertWindows(target, staging, object.key),
    `DELETE FROM ${ledger} WHERE object_key = ${key} AND etag = ${etag}`,
    `INSERT INTO ${ledger} (object_key, etag, target, status, attempts, rows_loaded, updated_at, loaded_at)
SELECT ${key}, ${etag}, ${sqlString(input.target)}, 'loaded', ${input.attempt}, COUNT(*), GETDATE(), GETDATE() FROM ${staging}`,
    `DROP TABLE ${staging}`,
  ];
}

/** Ledger row for a failed attempt (a separate statement: the load transaction rolled back). */
export function failureStatements(
  object: LakeObject,
  target: LoadTarget,
  attempt: number,
  statementId: string | undefined,
  error: string,
  tables: WarehouseTables,
): string[] {
  const ledger = tableName(tables.ledger);
  const key = sqlString(object.key);
  const etag = sqlString(object.etag);
  // Error texts may hold anything: keep them printable and bounded.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters
  const cleanError = error.replace(/[\\\u0000-\u001f]/g, ' ').slice(0, 4000);
  return [
    `LOCK ${ledger}`,
    `DELETE FROM ${ledger} WHERE object_key = ${key} AND etag = ${etag} AND status <> 'loaded'`,
    `INSERT INTO ${ledger} (object_key, etag, target, status, statement_id, attempts, error, updated_at)
SELECT ${key}, ${etag}, ${sqlString(target)}, 'failed', ${statementId ? sqlString(statementId) : 'NULL'}, ${attempt}, ${sqlString(cleanError)}, GETDATE()
WHERE NOT EXISTS (SELECT 1 FROM ${ledger} WHERE object_key = ${key} AND etag = ${etag})`,
  ];
}
