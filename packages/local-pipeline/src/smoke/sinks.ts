import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { scanTable } from '@streamlens/local-aws';
import type { OpenSearchClient } from '@streamlens/opensearch-indexer/client';
import type { ProducedLedger } from '../feed.js';
import type { SinkReader } from '../reconcile.js';
import type { StageResources } from './stage.js';

/** Clients of the stage's account and region; `search` only when its domain is checked. */
export interface SmokeClients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  /** The opensearch-indexer's client: SigV4-signed as the indexer signs, or unsigned locally. */
  readonly search?: OpenSearchClient;
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

/** Documents among `ids` in `${prefix}*`, after a refresh so that the last bulk is searchable. */
async function countIds(client: OpenSearchClient, prefix: string, ids: readonly string[]) {
  await client
    .request({ method: 'POST', path: `/${encodeURIComponent(prefix)}*/_refresh` })
    .catch(() => undefined);
  let count = 0;
  for (let i = 0; i < ids.length; i += 1_000) {
    const res = await client.count(`${prefix}*`, {
      query: { ids: { values: ids.slice(i, i + 1_000) } },
    });
    count += res.body.count;
  }
  return count;
}

/**
 * A deployed stage's sinks, scoped to one smoke run so that what earlier runs left is not counted:
 * lake objects written since the run began (less a minute of clock skew), windows from the window
 * of its first event on, search documents by the run's event ids. The events table check already
 * looks up the run's ids only. The warehouse, when the stage has one, is checked by
 * `warehouseCheck` (warehouse.ts): the reconciliation's own warehouse checks count whole tables.
 */
export function deployedSinks(
  clients: SmokeClients,
  resources: StageResources,
  ledger: ProducedLedger,
  sinceMs: number,
): SinkReader {
  const { s3, dynamodb, search } = clients;
  const windowMs = resources.windowSeconds * 1000;
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
