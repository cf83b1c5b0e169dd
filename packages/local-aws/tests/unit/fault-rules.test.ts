import { describe, expect, it } from '@jest/globals';
import { FaultRuleError } from '../../src/errors.js';
import {
  choosePositions,
  type FaultRule,
  requestFacts,
  ruleMatches,
  s3OperationOf,
  seededRandom,
  validateRule,
} from '../../src/fault-proxy/rules.js';

const json = (target: string) =>
  requestFacts('POST', '/', { 'x-amz-target': target }, Buffer.from('{}'));

describe('requestFacts', () => {
  it('names JSON-protocol operations after the X-Amz-Target dot', () => {
    // Act
    const facts = json('Kinesis_20131202.PutRecords');

    // Assess
    expect(facts).toMatchObject({ protocol: 'json', operation: 'PutRecords' });
  });

  it('names query-protocol operations by their Action', () => {
    // Act
    const facts = requestFacts(
      'POST',
      '/',
      { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      Buffer.from('Action=PublishBatch&Version=2010-03-31'),
    );

    // Assess
    expect(facts).toMatchObject({ protocol: 'query', operation: 'PublishBatch' });
  });

  it.each([
    ['PUT', '/lake/a/b.json', 'PutObject'],
    ['GET', '/lake/a/b.json?x-id=GetObject', 'GetObject'],
    ['GET', '/lake?list-type=2&prefix=a', 'ListObjectsV2'],
    ['PUT', '/lake', 'CreateBucket'],
    ['POST', '/lake/big?uploads', 'CreateMultipartUpload'],
    ['PUT', '/lake/big?partNumber=1&uploadId=u', 'UploadPart'],
    ['POST', '/lake?delete', 'DeleteObjects'],
    ['GET', '/', 'ListBuckets'],
  ])('names the S3 operation of %s %s', (method, path, operation) => {
    // Act
    const named = s3OperationOf(method, path);

    // Assess
    expect(named).toBe(operation);
  });
});

describe('ruleMatches', () => {
  it('implies the operation of partial-failure rules', () => {
    // Prepare
    const rule: FaultRule = { kind: 'putRecordsPartialFailure', entries: [0] };

    // Act
    const onPutRecords = ruleMatches(rule, json('Kinesis_20131202.PutRecords'));
    const onPutRecord = ruleMatches(rule, json('Kinesis_20131202.PutRecord'));

    // Assess
    expect(onPutRecords).toBe(true);
    expect(onPutRecord).toBe(false);
  });

  it('matches a full target, a method and a path', () => {
    // Prepare
    const rule: FaultRule = {
      kind: 'error',
      status: 503,
      errorType: 'SlowDown',
      method: 'put',
      path: /^\/lake\/raw\//,
    };

    // Act
    const raw = ruleMatches(rule, requestFacts('PUT', '/lake/raw/x', {}, Buffer.alloc(0)));
    const other = ruleMatches(rule, requestFacts('PUT', '/lake/curated/x', {}, Buffer.alloc(0)));
    const full = ruleMatches(
      { kind: 'error', status: 400, errorType: 'T', operation: 'DynamoDB_20120810.PutItem' },
      json('DynamoDB_20120810.PutItem'),
    );

    // Assess
    expect([raw, other, full]).toEqual([true, false, true]);
  });
});

describe('choosePositions', () => {
  it('keeps explicit positions that exist, sorted and unique', () => {
    // Act
    const positions = choosePositions(4, [3, 1, 9, 1, -1], undefined, Math.random);

    // Assess
    expect(positions).toEqual([1, 3]);
  });

  it('is deterministic for a seed and close to the asked probability', () => {
    // Act
    const first = choosePositions(2_000, undefined, 0.25, seededRandom(7));
    const second = choosePositions(2_000, undefined, 0.25, seededRandom(7));
    const otherSeed = choosePositions(2_000, undefined, 0.25, seededRandom(8));

    // Assess
    expect(first).toEqual(second);
    expect(first).not.toEqual(otherSeed);
    expect(first.length).toBeGreaterThan(400);
    expect(first.length).toBeLessThan(600);
  });
});

describe('validateRule', () => {
  it.each<[string, FaultRule]>([
    ['a probability above 1', { kind: 'error', status: 500, errorType: 'X', probability: 1.5 }],
    ['a non-error status', { kind: 'error', status: 200, errorType: 'X' }],
    ['no entries to fail', { kind: 'putRecordsPartialFailure' }],
    ['no items to hold', { kind: 'batchWriteUnprocessed' }],
  ])('rejects %s', (_, rule) => {
    // Act
    const act = () => validateRule(rule, 0);

    // Assess
    expect(act).toThrow(FaultRuleError);
  });
});
