// `pnpm warehouse migrate|verify|query`: apply the DDL, check the lake against the warehouse, run
// the example analytic query. Talks to Redshift (or the local stand-in) through the Data API.
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig, s3ClientConfig } from '@streamlens/lambda-kit';
import {
  compareCounts,
  countLakeEvents,
  countWarehouseEvents,
  hourlyPercentilesSql,
  migrate,
} from '../src/ops.js';
import { query, type WarehouseTarget } from '../src/redshift.js';
import { DEFAULT_TABLES } from '../src/sql.js';

const USAGE = `usage: pnpm warehouse <command>
  migrate   apply services/warehouse-loader/sql/*.sql (CREATE TABLE IF NOT EXISTS)
  verify    compare distinct events per type in the lake (LAKE_BUCKET_NAME, events/) with the warehouse
  query     hourly p50/p99 by metric (PERCENTILE_CONT WITHIN GROUP) as NDJSON
env: WAREHOUSE_WORKGROUP or WAREHOUSE_CLUSTER_ID, WAREHOUSE_DATABASE (dev), LAKE_BUCKET_NAME (verify),
     AWS_ENDPOINT_URL_REDSHIFT_DATA / AWS_ENDPOINT_URL_S3 for the local stand-ins`;

const command = process.argv[2];
if (!command || !['migrate', 'verify', 'query'].includes(command)) {
  console.log(USAGE);
  process.exit(command ? 2 : 0);
}
const workgroupName =
  process.env.WAREHOUSE_WORKGROUP ?? (process.env.WAREHOUSE_CLUSTER_ID ? undefined : 'streamlens');
const target: WarehouseTarget = {
  database: process.env.WAREHOUSE_DATABASE ?? 'dev',
  ...(workgroupName ? { workgroupName } : {}),
  ...(process.env.WAREHOUSE_CLUSTER_ID
    ? { clusterIdentifier: process.env.WAREHOUSE_CLUSTER_ID }
    : {}),
};
const poll = () => ({ deadline: Date.now() + 10 * 60_000, maxDelayMs: 2_000 });
const client = new RedshiftDataClient(clientConfig());
try {
  if (command === 'migrate') {
    const applied = await migrate(client, target, poll());
    console.log(JSON.stringify({ migrated: [...new Set(applied)] }));
  } else if (command === 'verify') {
    const bucket = process.env.LAKE_BUCKET_NAME;
    if (!bucket) throw new Error('LAKE_BUCKET_NAME is required for verify');
    const s3 = new S3Client(s3ClientConfig());
    const lake = await countLakeEvents(s3, bucket, process.env.EVENTS_PREFIX ?? 'events/');
    s3.destroy();
    const warehouse = await countWarehouseEvents(client, target, DEFAULT_TABLES, poll());
    const result = compareCounts(lake, warehouse);
    console.log(JSON.stringify({ lake, warehouse, ...result }, null, 2));
    process.exitCode = result.agree ? 0 : 1;
  } else {
    for (const row of await query(
      client,
      target,
      hourlyPercentilesSql(DEFAULT_TABLES),
      undefined,
      poll(),
    )) {
      process.stdout.write(`${JSON.stringify(row)}\n`);
    }
  }
} catch (error) {
  console.error(`pnpm warehouse ${command}: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  client.destroy();
}
