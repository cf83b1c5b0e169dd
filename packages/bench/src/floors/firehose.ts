import type {
  FirehoseTransformationEvent,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';

/**
 * The Firehose floor (docs/performance-targets.md): per record base64-decode, `JSON.parse`, `JSON.stringify`,
 * append `\n`, base64-encode, and nothing else. A record that does not parse comes back
 * `ProcessingFailed` with its data, since every recordId must come back exactly once.
 *
 * @example
 * const response = floorFirehoseTransform(event);
 */
export function floorFirehoseTransform(
  event: FirehoseTransformationEvent,
): FirehoseTransformationResult {
  const records: FirehoseTransformationResultRecord[] = new Array(event.records.length);
  for (let i = 0; i < event.records.length; i++) {
    const record = event.records[i]!;
    try {
      const value: unknown = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8'));
      records[i] = {
        recordId: record.recordId,
        result: 'Ok',
        data: Buffer.from(`${JSON.stringify(value)}\n`, 'utf8').toString('base64'),
      };
    } catch {
      records[i] = { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
    }
  }
  return { records };
}

/**
 * The AWS blueprint's pass-through transform (kinesis-firehose-process-record): returns every
 * record `Ok` unchanged. It validates nothing and adds no newline, so it is not a correct
 * implementation of the transform; it is shown for scale only.
 */
export function blueprintPassThrough(
  event: FirehoseTransformationEvent,
): FirehoseTransformationResult {
  return {
    records: event.records.map((record) => ({
      recordId: record.recordId,
      result: 'Ok' as const,
      data: record.data,
    })),
  };
}
