import type { BulkResponseBody, BulkSend } from '../../src/bulk.js';
import { BulkRequestError } from '../../src/errors.js';

/** What the fake answers for one item: a status, or undefined to store it (200/201). */
export type ItemFault = (id: string, attempt: number) => number | undefined;

/**
 * An in-memory `_bulk` endpoint: parses the NDJSON the code under test sends, stores documents by
 * (index, id) the way OpenSearch does (index action: overwrite), and answers per item, with
 * faults chosen by `fault(id, attempt)` (attempt: how many times this id was sent, from 1).
 */
export function fakeBulk(
  fault: ItemFault = () => undefined,
  requestFault?: (request: number) => number | undefined,
) {
  const store = new Map<string, Map<string, unknown>>();
  const attempts = new Map<string, number>();
  const writes = new Map<string, number>();
  const requests: string[][] = [];
  const send: BulkSend = async (ndjson) => {
    const lines = ndjson.split('\n').filter((l) => l !== '');
    const ids: string[] = [];
    const failStatus = requestFault?.(requests.length + 1);
    requests.push(ids);
    if (failStatus) {
      for (let i = 0; i < lines.length; i += 2)
        ids.push((JSON.parse(lines[i]!) as { index: { _id: string } }).index._id);
      throw new BulkRequestError(
        `HTTP ${failStatus}`,
        failStatus,
        failStatus === 429 || failStatus >= 500,
      );
    }
    const items: BulkResponseBody['items'] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const { _index, _id } = (JSON.parse(lines[i]!) as { index: { _index: string; _id: string } })
        .index;
      ids.push(_id);
      const attempt = (attempts.get(_id) ?? 0) + 1;
      attempts.set(_id, attempt);
      const status = fault(_id, attempt);
      if (status !== undefined) {
        items.push({
          index: {
            status,
            error: {
              type: status === 429 ? 'es_rejected_execution_exception' : 'mapper_parsing_exception',
              reason: `injected ${status}`,
            },
          },
        });
        continue;
      }
      const index = store.get(_index) ?? new Map<string, unknown>();
      store.set(_index, index);
      const existed = index.has(_id);
      index.set(_id, JSON.parse(lines[i + 1]!));
      writes.set(_id, (writes.get(_id) ?? 0) + 1);
      items.push({
        index: { status: existed ? 200 : 201, result: existed ? 'updated' : 'created' },
      });
    }
    return { errors: items.some((it) => (it.index?.status ?? 0) >= 300), items };
  };
  /** Every stored document id with how many indices hold it. */
  const copies = (): Map<string, number> => {
    const out = new Map<string, number>();
    for (const index of store.values())
      for (const id of index.keys()) out.set(id, (out.get(id) ?? 0) + 1);
    return out;
  };
  return { send, store, requests, attempts, writes, copies };
}
