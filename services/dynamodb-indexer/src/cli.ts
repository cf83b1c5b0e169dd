import { parseArgs } from 'node:util';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryArgumentError } from './errors.js';
import { resolveTypeShards } from './keys.js';
import { queryByEntity, queryByType, queryQuarantine } from './query.js';

export const USAGE = `Usage:
  pnpm query entity <entity> [--from T] [--to T] [--limit N] [--asc]
  pnpm query type <type> [--from T] [--to T] [--limit N] [--asc] [--shards N]
  pnpm query invalid [--from T] [--to T] [--limit N]
Options: --table NAME (default $EVENTS_TABLE_NAME), --include-expired.
Times are RFC 3339 (from inclusive, to exclusive). Output: NDJSON, newest first unless --asc.
Endpoint: AWS_ENDPOINT_URL_DYNAMODB (local stand-ins) or the AWS default chain.`;

/** Where the CLI writes (injected by tests). */
export interface CliIo {
  out: (line: string) => void;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * `pnpm query ...`: runs one query and writes one JSON line per result. Returns the number of
 * lines written; throws QueryArgumentError on bad arguments (the script prints usage).
 */
export async function runQueryCli(
  argv: readonly string[],
  doc: DynamoDBDocumentClient,
  io: CliIo,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
      shards: { type: 'string' },
      asc: { type: 'boolean', default: false },
      'include-expired': { type: 'boolean', default: false },
    },
  });
  const [command, subject] = positionals;
  const tableName = values.table ?? io.env.EVENTS_TABLE_NAME;
  if (!tableName) throw new QueryArgumentError('no table: pass --table or set EVENTS_TABLE_NAME');
  const int = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new QueryArgumentError(`--${name} must be a positive integer`);
    return Number(value);
  };
  const common = {
    tableName,
    from: values.from,
    to: values.to,
    limit: int('limit', values.limit),
    ascending: values.asc,
    includeExpired: values['include-expired'],
  };
  let results: unknown[];
  if (command === 'entity' && subject !== undefined) {
    results = await queryByEntity(doc, subject, common);
  } else if (command === 'type' && subject !== undefined) {
    // As the writer resolves it (keys.ts resolveTypeShards): TYPE_SHARDS, else from the rate.
    const shards =
      int('shards', values.shards) ??
      resolveTypeShards({
        typeShards: int('TYPE_SHARDS', io.env.TYPE_SHARDS),
        expectedRate: int('EXPECTED_EVENTS_PER_SECOND', io.env.EXPECTED_EVENTS_PER_SECOND),
        expectedItemBytes: int('EXPECTED_ITEM_BYTES', io.env.EXPECTED_ITEM_BYTES),
      });
    results = await queryByType(doc, subject, { ...common, shards });
  } else if (command === 'invalid') {
    results = await queryQuarantine(doc, common);
  } else {
    throw new QueryArgumentError(`unknown command ${JSON.stringify(positionals.join(' '))}`);
  }
  for (const r of results) io.out(`${JSON.stringify(r)}\n`);
  return results.length;
}
