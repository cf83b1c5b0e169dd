import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { scanTable } from '@streamlens/local-aws';
import type { ProducedLedger } from '../feed.js';
import type { SinkReader } from '../reconcile.js';
import type { StageResources } from './stage.js';

/** S3 and DynamoDB clients of the stage's account and region. */
export interface SmokeClients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
}

/** Objects written since `sinceMs`, with their bytes (bodies read once and kept). */
function lakeObjects(s3: S3Client, bucket: string, sinceMs: number) {
  const bodies = new Map<string, Uint8Array>();
  return async (prefix?: string) => {
    const out: { key: string; body: Uint8Array }[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key || (o.LastModified?.getTime() ?? 0) < sinceMs) continue;
        let body = bodies.get(o.Key);
        if (!body) {
          const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
          body = await got.Body?.transformToByteArray();
          if (!body) continue;
          bodies.set(o.Key, body);
        }
        out.push({ key: o.Key, body });
      }
      token = page.NextContinuationToken;
    } while (token);
    return out;
  };
}

/** Documents among `ids` in `${prefix}*` of an endpoint that takes unsigned requests. */
async function countIds(endpoint: string, prefix: string, ids: readonly string[]) {
  await fetch(`${endpoint}/_refresh`, { method: 'POST' }).catch(() => undefined);
  let count = 0;
  for (let i = 0; i < ids.length; i += 1_000) {
    const res = await fetch(`${endpoint}/${prefix}*/_count`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: { ids: { values: ids.slice(i, i + 1_000) } } }),
    });
    const body = (await res.json()) as { count?: number };
    if (typeof body.count !== 'number') throw new Error(`HTTP ${res.status}`);
    count += body.count;
  }
  return count;
}

/**
 * A deployed stage's sinks, scoped to one smoke run so that what earlier runs left is not counted:
 * lake objects written since the run began (less a minute of clock skew), windows from the window
 * of its first event on, search documents by the run's event ids. The events table check already
 * looks up the run's ids only. The warehouse is not read (see docs/operations.md).
 */
export function deployedSinks(
  clients: SmokeClients,
  resources: StageResources,
  ledger: ProducedLedger,
  sinceMs: number,
): SinkReader {
  const { s3, dynamodb } = clients;
  const windowMs = resources.windowSeconds * 1000;
  const search = resources.opensearchEndpoint;
  return {
    lake: {
      objects: lakeObjects(s3, resources.lakeBucket, sinceMs - 60_000),
      // What the transformation answered Dropped is in its metrics, not readable here.
      dropped: () => 0,
    },
    eventsTable: {
      name: resources.eventsTable,
      items: () => scanTable(dynamodb, resources.eventsTable),
    },
    windows: {
      seconds: resources.windowSeconds,
      items: async () => {
        const first = Math.floor(ledger.firstEventMs / windowMs) * windowMs;
        return (await scanTable(dynamodb, resources.windowsTable)).filter((item) => {
          const start = Date.parse(
            item.windowStart && 'S' in item.windowStart ? (item.windowStart.S ?? '') : '',
          );
          return start >= first;
        });
      },
    },
    ...(search
      ? {
          search: {
            prefix: resources.indexPrefix,
            count: () => countIds(search, resources.indexPrefix, [...ledger.valid.keys()]),
          },
        }
      : {}),
  };
}
