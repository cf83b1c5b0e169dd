import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { sqlString, tableName } from '@streamlens/warehouse-loader/sql';
import type { ProducedLedger } from '../feed.js';
import type { Check } from '../reconcile.js';
import { runStatement, type WarehouseTarget } from '../sqs/warehouse.js';

/** A deployed stage's warehouse: where the Data API runs statements, and the loader's events table. */
export interface StageWarehouse extends WarehouseTarget {
  readonly eventsTable: string;
}

/**
 * Characters of ids per statement: the Data API takes at most 100,000 characters of SQL, and an
 * id list is the statement's bulk (1,000 UUIDs are about 40,000).
 */
const ID_LIST_CHARS = 60_000;

/** The ids as SQL literal lists of at most ID_LIST_CHARS characters each. */
export function idLists(ids: Iterable<string>): string[] {
  const lists: string[] = [];
  let current: string[] = [];
  let chars = 0;
  for (const id of ids) {
    const literal = sqlString(id);
    if (current.length > 0 && chars + literal.length + 1 > ID_LIST_CHARS) {
      lists.push(current.join(','));
      current = [];
      chars = 0;
    }
    current.push(literal);
    chars += literal.length + 1;
  }
  if (current.length > 0) lists.push(current.join(','));
  return lists;
}

/**
 * Whether the warehouse's events table holds every valid event of this run, once: rows and
 * distinct ids among the run's ids (through the Redshift Data API, a statement per id list), so
 * that what other runs loaded is not counted. Failing while the loader has not caught up; the
 * smoke run polls it like every other check.
 */
export async function warehouseCheck(
  client: RedshiftDataClient,
  warehouse: StageWarehouse,
  ledger: ProducedLedger,
): Promise<Check> {
  const table = tableName(warehouse.eventsTable);
  const name = `warehouse: ${table} holds every valid event of the run once`;
  const expected = ledger.valid.size;
  try {
    let rows = 0;
    let distinct = 0;
    for (const list of idLists(ledger.valid.keys())) {
      const [row] = await runStatement(
        client,
        warehouse,
        `SELECT COUNT(*), COUNT(DISTINCT id) FROM ${table} WHERE id IN (${list})`,
      );
      rows += Number(row?.[0] ?? 0);
      distinct += Number(row?.[1] ?? 0);
    }
    return {
      name,
      status: rows === expected && distinct === expected ? 'ok' : 'failed',
      detail: `${rows} rows (${distinct} distinct ids) for ${expected} valid events`,
      expected,
      actual: distinct,
    };
  } catch (error) {
    return { name, status: 'failed', detail: `cannot query: ${String(error)}`, expected };
  }
}
