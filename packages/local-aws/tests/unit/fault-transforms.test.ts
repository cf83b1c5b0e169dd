import { describe, expect, it } from '@jest/globals';
import { requestFacts } from '../../src/fault-proxy/rules.js';
import {
  errorResponse,
  mergeBatchWriteResponse,
  mergePutRecordsResponse,
  removePutRecordsEntries,
  splitBatchWrite,
} from '../../src/fault-proxy/transforms.js';

describe('PutRecords partial failure', () => {
  it('forwards only the kept entries and merges the real results back in place', () => {
    // Prepare
    const request = {
      StreamName: 's',
      Records: ['a', 'b', 'c', 'd'].map((k) => ({ PartitionKey: k, Data: k })),
    };
    const real = {
      FailedRecordCount: 0,
      Records: [
        { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
        { SequenceNumber: '2', ShardId: 'shardId-000000000000' },
      ],
    };

    // Act
    const kept = removePutRecordsEntries(request, [1, 2]);
    const merged = mergePutRecordsResponse(
      4,
      [1, 2],
      ['ProvisionedThroughputExceededException', 'InternalFailure'],
      real,
    );

    // Assess
    expect(kept?.Records).toEqual([request.Records[0], request.Records[3]]);
    expect(merged.FailedRecordCount).toBe(2);
    expect(merged.Records).toEqual([
      real.Records[0],
      expect.objectContaining({ ErrorCode: 'ProvisionedThroughputExceededException' }),
      expect.objectContaining({ ErrorCode: 'InternalFailure' }),
      real.Records[1],
    ]);
  });

  it('sends nothing and fails every entry when all are chosen', () => {
    // Act
    const kept = removePutRecordsEntries({ Records: [{}, {}] }, [0, 1]);
    const merged = mergePutRecordsResponse(2, [0, 1], ['InternalFailure'], undefined);

    // Assess
    expect(kept).toBeUndefined();
    expect(merged.FailedRecordCount).toBe(2);
  });
});

describe('BatchWriteItem unprocessed items', () => {
  it('holds back items by flat position across tables and returns them with real leftovers', () => {
    // Prepare
    const put = (id: string) => ({ PutRequest: { Item: { pk: { S: id } } } });
    const request = { RequestItems: { t1: [put('a'), put('b')], t2: [put('c')] } };

    // Act
    const { forward, unprocessed, total } = splitBatchWrite(request, [1, 2]);
    const merged = mergeBatchWriteResponse(unprocessed, { UnprocessedItems: { t1: [put('z')] } });

    // Assess
    expect(total).toBe(3);
    expect(forward?.RequestItems).toEqual({ t1: [put('a')] });
    expect(merged.UnprocessedItems).toEqual({ t1: [put('z'), put('b')], t2: [put('c')] });
  });
});

describe('errorResponse', () => {
  it('speaks DynamoDB JSON with a namespaced __type', () => {
    // Prepare
    const facts = requestFacts(
      'POST',
      '/',
      { 'x-amz-target': 'DynamoDB_20120810.PutItem' },
      Buffer.from('{}'),
    );

    // Act
    const response = errorResponse(
      facts,
      400,
      'ThrottlingException',
      'slow',
      'application/x-amz-json-1.0',
    );

    // Assess
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body.toString())).toEqual({
      __type: 'com.amazon.coral.availability#ThrottlingException',
      message: 'slow',
    });
  });

  it('speaks S3 XML for REST requests', () => {
    // Prepare
    const facts = requestFacts('PUT', '/lake/k', {}, Buffer.alloc(0));

    // Act
    const response = errorResponse(facts, 503, 'SlowDown', 'a < b');

    // Assess
    expect(response.headers['content-type']).toBe('application/xml');
    expect(response.body.toString()).toContain('<Code>SlowDown</Code><Message>a &#60; b</Message>');
  });
});
