import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { splitDdl } from './ddl.js';
import { type PollOptions, query, type WarehouseTarget } from './redshift.js';
import { tableName, type WarehouseTables } from './sql.js';

/** The checked-in DDL folder. */
export const SQL_DIR = new URL('../sql/', import.meta.url);

/** The DDL statements of `sql/*.sql`, in file order (split as {@link splitDdl} does). */
export function ddlStatements(dir: string | URL = SQL_DIR): { file: string; sql: string }[] {
  const path = dir instanceof URL ? dir.pathname : dir;
  return readdirSync(path)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .flatMap((file) =>
      splitDdl(readFileSync(join(path, file), 'utf8')).map((sql) => ({ file, sql })),
    );
}

/** Apply the DDL through the Data API (idempotent: CREATE TABLE IF NOT EXISTS). */
export async function migrate(
  client: RedshiftDataClient,
  target: WarehouseTarget,
  poll: PollOptions,
): Promise<string[]> {
  const applied: string[] = [];
  for (const { file, sql } of ddlStatements()) {
    await query(client, target, sql, undefined, poll);
    applied.push(file);
  }
  return applied;
}

/** Events in the lake: distinct CloudEvent ids in gzip NDJSON objects under `prefix`. */
export async function countLakeEvents(
  s3: S3Client,
  bucket: string,
  prefix = 'events/',
): Promise<{ objects: number; events: number; byType: Record<string, number> }> {
  const ids = new Set<string>();
  const byType: Record<string, number> = {};
  let objects = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const item of page.Contents ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.Key }));
      const bytes = await object.Body?.transformToByteArray();
      if (!bytes) continue;
      objects += 1;
      const text = Buffer.from(
        bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes,
      ).toString('utf8');
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          const event = JSON.parse(line) as { id?: unknown; type?: unknown };
          if (typeof event.id === 'string' && !ids.has(event.id)) {
            ids.add(event.id);
            const type = String(event.type);
            byType[type] = (byType[type] ?? 0) + 1;
          }
        } catch {
          // Unparseable lines cannot be loaded either; they are not counted.
        }
      }
    }
    token = page.NextContinuationToken;
  } while (token);
  return { objects, events: ids.size, byType };
}

/** Warehouse side of the check: events per type. */
export async function countWarehouseEvents(
  client: RedshiftDataClient,
  target: WarehouseTarget,
  tables: WarehouseTables,
  poll: PollOptions,
): Promise<{ events: number; byType: Record<string, number> }> {
  const rows = await query(
    client,
    target,
    `SELECT type, COUNT(*) AS n FROM ${tableName(tables.events)} GROUP BY type ORDER BY type`,
    undefined,
    poll,
  );
  const byType: Record<string, number> = {};
  let events = 0;
  for (const row of rows) {
    const n = Number(row.n);
    byType[String(row.type)] = n;
    events += n;
  }
  return { events, byType };
}

/** Lake vs warehouse: agree when every type has the same count of distinct events. */
export function compareCounts(
  lake: { events: number; byType: Record<string, number> },
  warehouse: { events: number; byType: Record<string, number> },
): { agree: boolean; differences: { type: string; lake: number; warehouse: number }[] } {
  const types = new Set([...Object.keys(lake.byType), ...Object.keys(warehouse.byType)]);
  const differences = [...types]
    .map((type) => ({ type, lake: lake.byType[type] ?? 0, warehouse: warehouse.byType[type] ?? 0 }))
    .filter((d) => d.lake !== d.warehouse);
  return { agree: differences.length === 0 && lake.events === warehouse.events, differences };
}

/** Example analytic query: hourly p50/p99 of each telemetry metric (Redshift and PostgreSQL). */
export function hourlyPercentilesSql(tables: WarehouseTables): string {
  return `SELECT DATE_TRUNC('hour', event_time) AS hour, metric, COUNT(*) AS readings,
  PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY value) AS p50,
  PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY value) AS p99
FROM ${tableName(tables.events)}
WHERE type = 'telemetry.reading' AND value IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2`;
}
