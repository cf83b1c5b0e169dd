import type { ReingestItem } from './model.js';

/** Where records without room in the response go back in. */
export type ReingestTarget =
  | { kind: 'kinesis'; streamName: string; streamArn: string }
  | { kind: 'firehose'; deliveryStreamName: string; deliveryStreamArn: string };

/** One item that could not be re-ingested, with the service's reason. */
export interface ReingestFailure {
  item: ReingestItem;
  code: string;
  message?: string | undefined;
}

/** Options passed down to the reliable put helpers. */
export interface ReingestOptions {
  /** Epoch ms after which no retry starts. */
  deadline?: number;
  maxAttempts?: number;
}

/**
 * Puts items back: PutRecords (≤ 500 per call, original partition key) or PutRecordBatch, retrying
 * partial failures with backoff. Resolves with what could not be written; throws only for
 * programming errors. Injected into the processor so that tests can count or fail calls.
 */
export type Reingest = (
  target: ReingestTarget,
  items: readonly ReingestItem[],
  opts: ReingestOptions,
) => Promise<ReingestFailure[]>;

/**
 * The re-ingestion target of an invocation, as the CloudWatch Logs blueprint picks it: the source
 * Kinesis stream when Firehose reads from one (a delivery stream with a Kinesis source accepts no
 * direct puts), else the delivery stream itself. The name is the last segment of the ARN
 * (`arn:aws:kinesis:…:stream/NAME`, `arn:aws:firehose:…:deliverystream/NAME`).
 */
export function reingestTargetOf(event: {
  deliveryStreamArn: string;
  sourceKinesisStreamArn?: string | undefined;
}): ReingestTarget {
  const source = event.sourceKinesisStreamArn;
  if (typeof source === 'string' && source.length > 0) {
    return { kind: 'kinesis', streamName: resourceName(source), streamArn: source };
  }
  return {
    kind: 'firehose',
    deliveryStreamName: resourceName(event.deliveryStreamArn),
    deliveryStreamArn: event.deliveryStreamArn,
  };
}

function resourceName(arn: string): string {
  const slash = arn.lastIndexOf('/');
  return slash >= 0 ? arn.slice(slash + 1) : arn;
}
