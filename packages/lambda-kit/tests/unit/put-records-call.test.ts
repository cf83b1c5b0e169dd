import { describe, expect, it } from '@jest/globals';
import {
  awsJsonErrorCode,
  createPutRecordsCall,
  KinesisCallError,
  kinesisEndpoint,
  type PutRecordsCallOptions,
  type PutRecordsOutput,
  putRecordsBody,
  putRecordsWith,
} from '../../src/kinesis/index.js';
import { fakeHandler, type Reply } from '../helpers/fake-handler.js';
import { recordingSleep } from '../helpers/kinesis.js';
import { verifySigV4 } from '../helpers/sigv4.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'kinesis-secret' };

function callWith(replies: Reply[], extra: Partial<PutRecordsCallOptions> = {}) {
  const { handler, sent } = fakeHandler(replies);
  const call = createPutRecordsCall({
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:4567',
    credentials: async () => CREDENTIALS,
    requestHandler: handler as unknown as PutRecordsCallOptions['requestHandler'],
    ...extra,
  });
  return { call, sent };
}

const ok = (n: number): string =>
  JSON.stringify({
    FailedRecordCount: 0,
    Records: Array.from({ length: n }, (_, i) => ({ SequenceNumber: `${i}`, ShardId: 's-0' })),
  });
const entry = (i: number) => ({
  Data: new TextEncoder().encode(`{"n":${i}}`),
  PartitionKey: `k${i}`,
});

describe('kinesisEndpoint and putRecordsBody', () => {
  it('uses the SDK override variables, else the regional endpoint', () => {
    // Act / Assess
    expect(
      kinesisEndpoint('eu-west-1', {
        AWS_ENDPOINT_URL_KINESIS: 'http://a',
        AWS_ENDPOINT_URL: 'http://b',
      }),
    ).toBe('http://a');
    expect(kinesisEndpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://b' })).toBe('http://b');
    expect(kinesisEndpoint('eu-west-1', {})).toBe('https://kinesis.eu-west-1.amazonaws.com');
    expect(kinesisEndpoint('cn-north-1', {})).toBe('https://kinesis.cn-north-1.amazonaws.com.cn');
  });

  it("base64-encodes each record's bytes (a view into a larger buffer included)", () => {
    // Prepare
    const big = new TextEncoder().encode('xxhelloyy');
    // Act
    const body = JSON.parse(
      putRecordsBody({
        StreamName: 's',
        Records: [{ Data: big.subarray(2, 7), PartitionKey: 'p', ExplicitHashKey: '1' }],
      }),
    );
    // Assess
    expect(body).toEqual({
      StreamName: 's',
      Records: [
        { Data: Buffer.from('hello').toString('base64'), PartitionKey: 'p', ExplicitHashKey: '1' },
      ],
    });
  });
});

describe('awsJsonErrorCode', () => {
  it('reads __type without its namespace, and the message', () => {
    // Act / Assess
    expect(
      awsJsonErrorCode(
        '{"__type":"com.amazonaws.kinesis.v20131202#ResourceNotFoundException","message":"Stream x not found"}',
        {},
      ),
    ).toEqual({ code: 'ResourceNotFoundException', message: 'Stream x not found' });
    expect(
      awsJsonErrorCode('<html>', { 'x-amzn-errortype': 'ThrottlingException:http://internal' }),
    ).toEqual({
      code: 'ThrottlingException',
    });
    expect(awsJsonErrorCode('', {})).toEqual({});
  });
});

describe('createPutRecordsCall', () => {
  it('POSTs a SigV4-signed JSON 1.1 PutRecords request and returns the parsed response', async () => {
    // Prepare
    const { call, sent } = callWith([{ status: 200, body: ok(2) }]);
    // Act
    const out = await call({ StreamName: 'aggregates', Records: [entry(1), entry(2)] });
    // Assess
    expect(out.FailedRecordCount).toBe(0);
    expect(out.Records).toHaveLength(2);
    const req = sent[0]!;
    expect(req).toMatchObject({ method: 'POST', hostname: '127.0.0.1', port: 4567, path: '/' });
    expect(req.headers['x-amz-target']).toBe('Kinesis_20131202.PutRecords');
    expect(req.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(req.body.toString()).Records[1]).toEqual({
      Data: Buffer.from('{"n":2}').toString('base64'),
      PartitionKey: 'k2',
    });
    const check = verifySigV4(
      { method: 'POST', url: req.path, headers: req.headers, body: req.body },
      CREDENTIALS.secretAccessKey,
    );
    expect(check).toMatchObject({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
    expect(String(req.headers.authorization)).toContain('/eu-west-1/kinesis/aws4_request');
  });

  it('throws a KinesisCallError named after the AWS error code, with the status', async () => {
    // Prepare
    const { call } = callWith([
      {
        status: 400,
        body: '{"__type":"ResourceNotFoundException","message":"Stream nope under account 0 not found."}',
      },
    ]);
    // Act
    const error = await call({ StreamName: 'nope', Records: [entry(1)] }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(KinesisCallError);
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      code: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    expect((error as Error).message).toBe(
      'PutRecords failed: HTTP 400 ResourceNotFoundException (Stream nope under account 0 not found.)',
    );
  });

  it('reports no answer within the deadline as TimeoutError', async () => {
    // Prepare
    const { call } = callWith(['hang'], { timeoutMs: 5_000 });
    // Act
    const error = await call(
      { StreamName: 's', Records: [entry(1)] },
      { deadline: Date.now() + 20 },
    ).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ name: 'TimeoutError' });
  });
});

describe('putRecordsWith over createPutRecordsCall', () => {
  it('retries throttled calls and network errors, then only the records that failed', async () => {
    // Prepare
    const partial: PutRecordsOutput = {
      FailedRecordCount: 1,
      Records: [
        { SequenceNumber: '1', ShardId: 's-0' },
        { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' },
        { SequenceNumber: '3', ShardId: 's-0' },
      ],
    };
    const { call, sent } = callWith([
      {
        status: 400,
        body: '{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded"}',
      },
      { error: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) },
      { status: 200, body: JSON.stringify(partial) },
      { status: 200, body: ok(1) },
    ]);
    const { sleep, delays } = recordingSleep();
    // Act
    const { failed } = await putRecordsWith(call, 'aggregates', [entry(1), entry(2), entry(3)], {
      sleep,
      random: () => 0.5,
    });
    // Assess
    expect(failed).toEqual([]);
    expect(sent).toHaveLength(4);
    expect(delays).toHaveLength(3);
    const last = JSON.parse(sent[3]!.body.toString()) as {
      Records: Array<{ PartitionKey: string }>;
    };
    expect(last.Records.map((r) => r.PartitionKey)).toEqual(['k2']);
  });

  it('does not retry a missing stream, and returns every record with the code', async () => {
    // Prepare
    const { call, sent } = callWith([
      { status: 400, body: '{"__type":"ResourceNotFoundException","message":"no"}' },
    ]);
    // Act
    const { failed } = await putRecordsWith(call, 'nope', [entry(1), entry(2)], {
      sleep: async () => undefined,
    });
    // Assess
    expect(failed.map((f) => [f.entry.PartitionKey, f.code])).toEqual([
      ['k1', 'ResourceNotFoundException'],
      ['k2', 'ResourceNotFoundException'],
    ]);
    expect(sent).toHaveLength(1);
  });
});
