import { lambdaContext } from '@streamlens/lambda-kit/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';

const built = vi.hoisted(() => ({ dynamodb: 0, sns: 0 }));

vi.mock('@streamlens/lambda-kit/dynamodb', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@streamlens/lambda-kit/dynamodb')>()),
  createDocumentClient: () => {
    built.dynamodb += 1;
    return {};
  },
}));
vi.mock('@streamlens/lambda-kit/sns', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@streamlens/lambda-kit/sns')>()),
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
