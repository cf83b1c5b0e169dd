import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import { floorSeriesKey, type SeriesSums } from '../floors/kinesis.js';
import { InputEventSchema4, type PeerInputEvent } from './schemas.js';

function add(sums: Map<string, { count: number; sum: number }>, event: PeerInputEvent): void {
  const key = floorSeriesKey(event);
  const value = event.type === 'telemetry.reading' ? event.data.value : 1;
  const entry = sums.get(key);
  if (entry) {
    entry.count++;
    entry.sum += value;
  } else {
    sums.set(key, { count: 1, sum: value });
  }
}

/** Peer: a plain loop with zod 4 `safeParse` per record, summing per series key. */
export function zodLoopKinesisBatch(event: KinesisStreamEvent): Map<string, SeriesSums> {
  const sums = new Map<string, { count: number; sum: number }>();
  for (const record of event.Records) {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
    } catch {
      continue;
    }
    const parsed = InputEventSchema4.safeParse(value);
    if (parsed.success) add(sums, parsed.data);
  }
  return sums;
}

/** Result of a BatchProcessor peer: the partial-batch response and the sums. */
export interface BatchPeerResult {
  readonly response: KinesisStreamBatchResponse;
  readonly sums: Map<string, SeriesSums>;
}

// Powertools logs a warning per failed record through console when no logger is given; a silent
// logger keeps the bench output readable and does not change the work measured.
const silent = { debug: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Peer: Powertools `BatchProcessor` (Kinesis) with the zod parse inside the record handler
 * (`processPartialResponse`; a record whose parse throws is reported as a batch item failure).
 */
export async function powertoolsBatchKinesis(event: KinesisStreamEvent): Promise<BatchPeerResult> {
  const sums = new Map<string, { count: number; sum: number }>();
  const processor = new BatchProcessor(EventType.KinesisDataStreams, { logger: silent });
  const response = await processPartialResponse(
    event,
    (record: KinesisStreamRecord) => {
      const value: unknown = JSON.parse(
        Buffer.from(record.kinesis.data, 'base64').toString('utf8'),
      );
      add(sums, InputEventSchema4.parse(value));
    },
    processor,
  );
  return { response: response as KinesisStreamBatchResponse, sums };
}

/**
 * Peer: Powertools `BatchProcessor` with `innerSchema` + the `base64` transformer, the documented
 * way; the processor rebuilds the extended record schema for every record.
 */
export async function powertoolsBatchInnerSchemaKinesis(
  event: KinesisStreamEvent,
): Promise<BatchPeerResult> {
  const sums = new Map<string, { count: number; sum: number }>();
  const processor = new BatchProcessor(EventType.KinesisDataStreams, {
    parser,
    innerSchema: InputEventSchema4,
    transformer: 'base64',
    logger: silent,
  });
  const response = await processPartialResponse(
    event,
    (record: { kinesis: { data: PeerInputEvent } }) => {
      add(sums, record.kinesis.data);
    },
    processor,
  );
  return { response: response as KinesisStreamBatchResponse, sums };
}
