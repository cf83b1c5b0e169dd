import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  type RedshiftDataClient,
  type SqlParameter,
} from '@aws-sdk/client-redshift-data';
import { StatementFailedError, StatementTimeoutError } from './errors.js';

/** Where statements run: Redshift Serverless workgroup or provisioned cluster, and database. */
export interface WarehouseTarget {
  readonly database: string;
  readonly workgroupName?: string;
  readonly clusterIdentifier?: string;
  /** Provisioned clusters with IAM auth need a DbUser (ignored for Serverless). */
  readonly dbUser?: string;
}

/** Polling of DescribeStatement: exponential backoff, bounded by a deadline (epoch ms). */
export interface PollOptions {
  readonly deadline: number;
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function targetParams(target: WarehouseTarget) {
  return {
    Database: target.database,
    ...(target.workgroupName ? { WorkgroupName: target.workgroupName } : {}),
    ...(target.clusterIdentifier ? { ClusterIdentifier: target.clusterIdentifier } : {}),
    ...(target.dbUser && target.clusterIdentifier ? { DbUser: target.dbUser } : {}),
  };
}

/** Submit one statement (named `:params`); returns its id. */
export async function submitStatement(
  client: RedshiftDataClient,
  target: WarehouseTarget,
  sql: string,
  parameters?: Record<string, string>,
): Promise<string> {
  const Parameters: SqlParameter[] | undefined = parameters
    ? Object.entries(parameters).map(([name, value]) => ({ name, value }))
    : undefined;
  const out = await client.send(
    new ExecuteStatementCommand({
      ...targetParams(target),
      Sql: sql,
      ...(Parameters ? { Parameters } : {}),
    }),
  );
  return out.Id as string;
}

/** Submit statements as one transaction (BatchExecuteStatement); returns its id. */
export async function submitBatch(
  client: RedshiftDataClient,
  target: WarehouseTarget,
  sqls: readonly string[],
): Promise<string> {
  const out = await client.send(
    new BatchExecuteStatementCommand({ ...targetParams(target), Sqls: [...sqls] }),
  );
  return out.Id as string;
}

/** The error text of a failed statement: the failing sub-statement's, else the statement's. */
export function errorText(d: DescribeStatementResponse): string {
  const sub = d.SubStatements?.find((s) => s.Status === 'FAILED' && s.Error);
  return sub?.Error ?? d.Error ?? `statement ${d.Status ?? 'unknown'}`;
}

/**
 * Poll DescribeStatement with exponential backoff (100 ms doubling to 2 s by default) until the
 * statement is FINISHED (returned), FAILED or ABORTED (StatementFailedError with Redshift's
 * error text), or the deadline passes (StatementTimeoutError).
 */
export async function waitForStatement(
  client: RedshiftDataClient,
  id: string,
  opts: PollOptions,
): Promise<DescribeStatementResponse> {
  const sleep = opts.sleep ?? defaultSleep;
  let delay = opts.initialDelayMs ?? 100;
  const maxDelay = opts.maxDelayMs ?? 2_000;
  for (;;) {
    const d = await client.send(new DescribeStatementCommand({ Id: id }));
    if (d.Status === 'FINISHED') return d;
    if (d.Status === 'FAILED' || d.Status === 'ABORTED') {
      throw new StatementFailedError(id, d.Status, errorText(d));
    }
    const remaining = opts.deadline - Date.now();
    if (remaining <= 0) throw new StatementTimeoutError(id);
    await sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, maxDelay);
  }
}

function fieldValue(field: Field): string | number | boolean | null {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  return null;
}

/** Every row of a finished statement's result, as objects keyed by column name (all pages). */
export async function fetchRows(
  client: RedshiftDataClient,
  id: string,
): Promise<Record<string, string | number | boolean | null>[]> {
  const rows: Record<string, string | number | boolean | null>[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new GetStatementResultCommand({ Id: id, ...(token ? { NextToken: token } : {}) }),
    );
    const names = (page.ColumnMetadata ?? []).map((c) => c.name ?? '');
    for (const record of page.Records ?? []) {
      const row: Record<string, string | number | boolean | null> = {};
      record.forEach((field, i) => {
        row[names[i] as string] = fieldValue(field);
      });
      rows.push(row);
    }
    token = page.NextToken;
  } while (token);
  return rows;
}

/** Run one statement to completion and return its rows (empty when it has no result set). */
export async function query(
  client: RedshiftDataClient,
  target: WarehouseTarget,
  sql: string,
  parameters: Record<string, string> | undefined,
  poll: PollOptions,
): Promise<Record<string, string | number | boolean | null>[]> {
  const id = await submitStatement(client, target, sql, parameters);
  const d = await waitForStatement(client, id, poll);
  return d.HasResultSet ? fetchRows(client, id) : [];
}
