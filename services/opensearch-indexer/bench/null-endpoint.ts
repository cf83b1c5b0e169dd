import type { BulkResponseBody, BulkSend } from '../src/bulk.js';

/**
 * A `_bulk` endpoint that accepts every item without storing it, for the CPU path of decoding,
 * validating and serialising (indexer.bench.ts).
 */
export const nullSend: BulkSend = async (ndjson) => {
  let lines = 0;
  for (let i = ndjson.indexOf('\n'); i !== -1; i = ndjson.indexOf('\n', i + 1)) lines++;
  const items: BulkResponseBody['items'] = Array.from({ length: lines / 2 }, () => ({
    index: { status: 201 },
  }));
  return { errors: false, items };
};

/** A dead-letter sink that drops what it is given (the bench records are all indexable or invalid). */
export const deadLetter = async (): Promise<undefined> => undefined;
