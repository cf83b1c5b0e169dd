import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StageWarehouse } from './warehouse.js';

/** Where a deployed stage keeps what `pnpm smoke` produces into and reads back. */
export interface StageResources {
  readonly stage: string;
  readonly eventsStream: string;
  readonly lakeBucket: string;
  readonly eventsTable: string;
  readonly windowsTable: string;
  readonly windowSeconds: number;
  readonly indexPrefix: string;
  /** Checked only when given (see docs/operations.md, "Smoke test"). */
  readonly opensearchEndpoint?: string;
  /** Checked only when given: the stage's warehouse (createWarehouse, or an existing one). */
  readonly warehouse?: StageWarehouse;
}

/** What the command line may override; the rest follows the services' naming rules. */
export interface StageOverrides {
  readonly lakeBucket?: string;
  readonly eventsTable?: string;
  readonly windowsTable?: string;
  readonly windowSeconds?: number;
  readonly indexPrefix?: string;
  readonly opensearchEndpoint?: string;
  readonly warehouse?: StageWarehouse;
}

/**
 * The resources stack leaves its lake bucket unnamed, so CloudFormation names it
 * `<stack>-<logical id, lower case>-<random suffix>`, the stack being `streamlens-resources-<stage>`.
 */
export function lakeBucketPrefix(stage: string): string {
  return `streamlens-resources-${stage}-lakebucket-`;
}

/** The lake bucket of a stage, found by its CloudFormation-generated name. */
export async function findLakeBucket(s3: S3Client, stage: string): Promise<string | undefined> {
  const prefix = lakeBucketPrefix(stage);
  const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
  const names = Buckets.map((b) => b.Name ?? '').filter((n) => n.startsWith(prefix));
  if (names.length > 1) {
    throw new Error(
      `several buckets start with ${prefix} (${names.join(', ')}): pass --lake-bucket`,
    );
  }
  return names[0];
}

/**
 * The names each service's serverless.yml gives a stage's resources (`streamlens-<stage>-...`),
 * with the defaults of its params (`windowSeconds` 60, `opensearchIndexPrefix` events).
 */
export async function stageResources(
  stage: string,
  s3: S3Client,
  overrides: StageOverrides = {},
): Promise<StageResources> {
  const lakeBucket = overrides.lakeBucket ?? (await findLakeBucket(s3, stage));
  if (!lakeBucket) {
    throw new Error(
      `no lake bucket for stage ${stage} (none starts with ${lakeBucketPrefix(stage)}): deploy the resources stack, or pass --lake-bucket`,
    );
  }
  return {
    stage,
    eventsStream: `streamlens-${stage}-events`,
    lakeBucket,
    eventsTable: overrides.eventsTable ?? `streamlens-${stage}-events`,
    windowsTable: overrides.windowsTable ?? `streamlens-${stage}-windows`,
    windowSeconds: overrides.windowSeconds ?? 60,
    indexPrefix: overrides.indexPrefix ?? 'events',
    ...(overrides.opensearchEndpoint ? { opensearchEndpoint: overrides.opensearchEndpoint } : {}),
    ...(overrides.warehouse ? { warehouse: overrides.warehouse } : {}),
  };
}
