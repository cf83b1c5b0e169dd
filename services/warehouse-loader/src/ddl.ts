import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { type PollOptions, query, type WarehouseTarget } from './redshift.js';

/** The statements of one DDL file: `--` comment lines dropped, split on `;` at line ends. */
export function splitDdl(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((sql) => sql.trim())
    .filter(Boolean);
}

/**
 * Runs DDL files through the Data API, in order, one statement at a time (idempotent: every
 * statement is CREATE ... IF NOT EXISTS). Returns how many statements ran.
 */
export async function applyDdl(
  client: RedshiftDataClient,
  target: WarehouseTarget,
  files: readonly string[],
  poll: PollOptions,
): Promise<number> {
  let statements = 0;
  for (const text of files) {
    for (const sql of splitDdl(text)) {
      await query(client, target, sql, undefined, poll);
      statements++;
    }
  }
  return statements;
}
