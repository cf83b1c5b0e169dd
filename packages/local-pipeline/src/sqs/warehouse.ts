import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { LocalPipelineError } from '../errors.js';

/** Where statements run: the function's WAREHOUSE_* environment. */
export interface WarehouseTarget {
  readonly database: string;
  readonly workgroupName?: string;
  readonly clusterIdentifier?: string;
}

/** The statements of a service's `sql/*.sql` files, in file order (`;` at line ends, no comments). */
export function sqlStatements(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((file) =>
      readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .split(/;\s*(?:\n|$)/)
        .map((sql) => sql.trim())
        .filter(Boolean),
    );
}

/** Run one statement through the Data API and wait for it; rows of a query as string arrays. */
export async function runStatement(
  client: RedshiftDataClient,
  target: WarehouseTarget,
  sql: string,
  timeoutMs = 60_000,
): Promise<string[][]> {
  const { Id } = await client.send(
    new ExecuteStatementCommand({
      Sql: sql,
      Database: target.database,
      ...(target.workgroupName ? { WorkgroupName: target.workgroupName } : {}),
      ...(target.clusterIdentifier ? { ClusterIdentifier: target.clusterIdentifier } : {}),
    }),
  );
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(500, delay * 2)) {
    const d = await client.send(new DescribeStatementCommand({ Id }));
    if (d.Status === 'FINISHED') {
      if (!d.HasResultSet) return [];
      const result = await client.send(new GetStatementResultCommand({ Id }));
      return (result.Records ?? []).map((row) =>
        row.map((f) =>
          String(f.stringValue ?? f.longValue ?? f.doubleValue ?? f.booleanValue ?? ''),
        ),
      );
    }
    if (d.Status === 'FAILED' || d.Status === 'ABORTED') {
      throw new LocalPipelineError(`warehouse statement failed: ${d.Error ?? d.Status}: ${sql}`);
    }
    if (Date.now() > deadline)
      throw new LocalPipelineError(`warehouse statement timed out: ${sql}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** The warehouse a function loads, from its environment (WAREHOUSE_DATABASE + workgroup or cluster). */
export function warehouseTargetOf(
  env: Readonly<Record<string, string>>,
): WarehouseTarget | undefined {
  if (!env.WAREHOUSE_DATABASE && !env.WAREHOUSE_WORKGROUP && !env.WAREHOUSE_CLUSTER_ID) {
    return undefined;
  }
  return {
    database: env.WAREHOUSE_DATABASE || 'dev',
    ...(env.WAREHOUSE_WORKGROUP ? { workgroupName: env.WAREHOUSE_WORKGROUP } : {}),
    ...(env.WAREHOUSE_CLUSTER_ID ? { clusterIdentifier: env.WAREHOUSE_CLUSTER_ID } : {}),
  };
}
