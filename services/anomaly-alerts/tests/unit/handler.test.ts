import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { lambdaContext } from '@streamlens/lambda-kit/testing';

// The handler module builds its clients when it loads, so the factories are replaced before it is
// imported (ES modules are mocked with unstable_mockModule and a dynamic import of the handler).
const built = { dynamodb: 0, sns: 0 };
const actualDynamodb = await import('@streamlens/lambda-kit/dynamodb');
const actualSns = await import('@streamlens/lambda-kit/sns');
jest.unstable_mockModule('@streamlens/lambda-kit/dynamodb', () => ({
  ...actualDynamodb,
  createDocumentClient: () => {
    built.dynamodb += 1;
    return {};
  },
}));
jest.unstable_mockModule('@streamlens/lambda-kit/sns', () => ({
  ...actualSns,
  createSnsClient: () => {
    built.sns += 1;
    return {};
  },
}));

const SAVED = { ...process.env };
afterEach(() => {
  process.env = { ...SAVED };
});

describe('handler cold start', () => {
  it('builds each AWS client once per container, at load, and reuses it for every batch', async () => {
    // Prepare
    process.env.STATE_TABLE_NAME = 'state';
    process.env.ALERTS_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:alerts';
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'streamlens-test';
    // Act
    const { handler } = await import('../../src/handler.js');
    const atLoad = { ...built };
    const first = await handler({ Records: [] }, lambdaContext('anomaly-alerts'));
    await handler({ Records: [] }, lambdaContext('anomaly-alerts'));
    // Assess
    expect(atLoad).toEqual({ dynamodb: 1, sns: 1 });
    expect(built).toEqual({ dynamodb: 1, sns: 1 });
    expect(first).toEqual({ batchItemFailures: [] });
  });
});
