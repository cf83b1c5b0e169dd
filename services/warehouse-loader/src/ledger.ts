/** A row of the loads ledger (table `streamlens_loads`). */
export interface LedgerRow {
  readonly status: 'loaded' | 'failed';
  readonly attempts: number;
  readonly statementId?: string;
  readonly error?: string;
}

/** What to do with an object given its ledger row. */
export type LoadDecision =
  | { readonly action: 'skip'; readonly reason: 'already-loaded'; readonly statementId?: string }
  | { readonly action: 'load'; readonly attempt: number };

/**
 * Ledger decision: an (object key, ETag) already `loaded` is never loaded again (a repeated
 * notification or a retried invocation); anything else (no row, or `failed`) is loaded, as attempt
 * n+1. A new ETag for the same key is a new row: the object was overwritten.
 */
export function decideLoad(row: LedgerRow | undefined): LoadDecision {
  if (row?.status === 'loaded') {
    return {
      action: 'skip',
      reason: 'already-loaded',
      ...(row.statementId ? { statementId: row.statementId } : {}),
    };
  }
  return { action: 'load', attempt: (row?.attempts ?? 0) + 1 };
}
