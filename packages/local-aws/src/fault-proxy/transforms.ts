import { randomUUID } from 'node:crypto';
import type { KinesisRecordErrorCode, RequestFacts } from './rules.js';

/** A synthesized HTTP answer. */
export interface SyntheticResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

type Json = Record<string, unknown>;

const KINESIS_MESSAGES: Record<KinesisRecordErrorCode, string> = {
  ProvisionedThroughputExceededException:
    'Rate exceeded for shard in stream under account 000000000000.',
  InternalFailure: 'Internal service failure.',
};

/** PutRecords request without the entries at `failed`; undefined when nothing is left to send. */
export function removePutRecordsEntries(
  request: Json,
  failed: readonly number[],
): Json | undefined {
  const records = Array.isArray(request.Records) ? request.Records : [];
  const drop = new Set(failed);
  const kept = records.filter((_, i) => !drop.has(i));
  return kept.length === 0 ? undefined : { ...request, Records: kept };
}

/**
 * The PutRecords answer the client would get from Kinesis: the real per-record results of the
 * forwarded entries, in their original positions, and the injected failures at `failed`.
 */
export function mergePutRecordsResponse(
  total: number,
  failed: readonly number[],
  errorCodes: readonly KinesisRecordErrorCode[],
  real: Json | undefined,
): Json {
  const realRecords = Array.isArray(real?.Records) ? (real.Records as Json[]) : [];
  const drop = new Set(failed);
  const records: Json[] = [];
  let realIndex = 0;
  let failedIndex = 0;
  for (let i = 0; i < total; i++) {
    if (drop.has(i)) {
      const code =
        errorCodes[failedIndex++ % errorCodes.length] ?? 'ProvisionedThroughputExceededException';
      records.push({ ErrorCode: code, ErrorMessage: KINESIS_MESSAGES[code] });
    } else {
      records.push(realRecords[realIndex++] ?? { ErrorCode: 'InternalFailure', ErrorMessage: '' });
    }
  }
  const realFailed = typeof real?.FailedRecordCount === 'number' ? real.FailedRecordCount : 0;
  return {
    ...(real ?? {}),
    FailedRecordCount: realFailed + failed.length,
    Records: records,
  };
}

type WriteRequests = Record<string, unknown[]>;

/** Split a BatchWriteItem request: what is forwarded and what is held back (by flat position). */
export function splitBatchWrite(
  request: Json,
  held: readonly number[],
): { forward: Json | undefined; unprocessed: WriteRequests; total: number } {
  const items = (request.RequestItems ?? {}) as WriteRequests;
  const hold = new Set(held);
  const forwardItems: WriteRequests = {};
  const unprocessed: WriteRequests = {};
  let position = 0;
  for (const [table, writes] of Object.entries(items)) {
    for (const write of writes) {
      const bucket = hold.has(position++) ? unprocessed : forwardItems;
      const list = bucket[table] ?? [];
      list.push(write);
      bucket[table] = list;
    }
  }
  const forward =
    Object.keys(forwardItems).length === 0 ? undefined : { ...request, RequestItems: forwardItems };
  return { forward, unprocessed, total: position };
}

/** Count the write requests of a BatchWriteItem request. */
export function countBatchWrites(request: Json): number {
  const items = (request.RequestItems ?? {}) as WriteRequests;
  return Object.values(items).reduce((sum, writes) => sum + writes.length, 0);
}

/** The BatchWriteItem answer: real answer plus the held-back requests in UnprocessedItems. */
export function mergeBatchWriteResponse(unprocessed: WriteRequests, real: Json | undefined): Json {
  const merged: WriteRequests = {};
  const realUnprocessed = (real?.UnprocessedItems ?? {}) as WriteRequests;
  for (const source of [realUnprocessed, unprocessed]) {
    for (const [table, writes] of Object.entries(source)) {
      merged[table] = [...(merged[table] ?? []), ...writes];
    }
  }
  return { ...(real ?? {}), UnprocessedItems: merged };
}

const DYNAMODB_ERROR_NAMESPACE: Record<string, string> = {
  ThrottlingException: 'com.amazon.coral.availability#',
  InternalServerError: 'com.amazonaws.dynamodb.v20120810#',
};

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An error answer in the request's protocol, shaped like the real service's. */
export function errorResponse(
  facts: RequestFacts,
  status: number,
  errorType: string,
  message: string,
  contentType?: string,
): SyntheticResponse {
  const requestId = randomUUID();
  if (facts.protocol === 'json') {
    const isDynamoDb = facts.target?.startsWith('DynamoDB_') ?? false;
    const type =
      isDynamoDb && !errorType.includes('#')
        ? `${DYNAMODB_ERROR_NAMESPACE[errorType] ?? 'com.amazonaws.dynamodb.v20120810#'}${errorType}`
        : errorType;
    return {
      status,
      headers: {
        'content-type': contentType ?? 'application/x-amz-json-1.1',
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': `${errorType}:`,
      },
      body: Buffer.from(JSON.stringify({ __type: type, message })),
    };
  }
  if (facts.protocol === 'query') {
    const kind = status >= 500 ? 'Receiver' : 'Sender';
    return {
      status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: Buffer.from(
        `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${kind}</Type>` +
          `<Code>${xmlEscape(errorType)}</Code><Message>${xmlEscape(message)}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
      ),
    };
  }
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
    body: Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(errorType)}</Code>` +
        `<Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
    ),
  };
}

/** Default messages of the errors tests inject most. */
export const DEFAULT_ERROR_MESSAGES: Record<string, string> = {
  ProvisionedThroughputExceededException:
    'The level of configured provisioned throughput for the table was exceeded.',
  ThrottlingException: 'Rate of requests exceeds the allowed throughput.',
  SlowDown: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  ServiceUnavailable: 'Service is unable to handle request.',
  InternalFailure: 'The request processing has failed because of an unknown error.',
  Throttling: 'Rate exceeded',
};
