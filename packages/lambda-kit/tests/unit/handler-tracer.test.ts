import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { MiddlewareObj } from '@middy/core';
import { restoreEnv, stubEnv } from '../../src/testing.js';
import { lambdaContext } from '../helpers/kinesis.js';

// The Tracer behind STREAMLENS_TRACER: its middleware runs around each invocation when the
// variable is `true`, and the tracer module is not even loaded otherwise. The Powertools tracer
// middleware is replaced by a recorder (X-Ray needs the Lambda runtime's trace header).

const calls: string[] = [];
const serviceNames: Array<string | undefined> = [];
let loaded = 0;

jest.unstable_mockModule('@aws-lambda-powertools/tracer', () => {
  loaded++;
  return {
    Tracer: class {
      constructor(opts: { serviceName?: string }) {
        serviceNames.push(opts.serviceName);
      }
    },
  };
});
jest.unstable_mockModule('@aws-lambda-powertools/tracer/middleware', () => ({
  captureLambdaHandler: (): MiddlewareObj => ({
    before: async () => {
      calls.push('before');
    },
    after: async () => {
      calls.push('after');
    },
    onError: async () => {
      calls.push('onError');
    },
  }),
}));

const { createObservability, lambdaHandler } = await import('../../src/index.js');

afterEach(() => {
  restoreEnv();
  calls.length = 0;
});

describe('lambdaHandler with STREAMLENS_TRACER', () => {
  it('leaves the tracer out, unloaded, when the variable is not true', async () => {
    // Prepare
    stubEnv('STREAMLENS_TRACER', 'false');
    const { logger, metrics } = createObservability('unit-svc', { namespace: 'ns' });
    const handler = lambdaHandler(async () => 'ok', {
      logger,
      metrics,
      captureColdStartMetric: false,
    });

    // Act
    const result = await handler({}, lambdaContext());

    // Assess
    expect(result).toBe('ok');
    expect(calls).toEqual([]);
    expect(loaded).toBe(0);
  });

  it('opens and closes a segment around each invocation, named after the service, when true', async () => {
    // Prepare
    stubEnv('STREAMLENS_TRACER', 'true');
    stubEnv('POWERTOOLS_SERVICE_NAME', 'dynamodb-indexer');
    const { logger, metrics } = createObservability('unit-svc', { namespace: 'ns' });
    const handler = lambdaHandler(
      async (event: { fail?: boolean }) => {
        if (event.fail) throw new Error('boom');
        return 'ok';
      },
      { logger, metrics, captureColdStartMetric: false },
    );

    // Act
    const ok = await handler({}, lambdaContext());
    const failed = await handler({ fail: true }, lambdaContext()).catch((e: Error) => e.message);

    // Assess
    expect([ok, failed]).toEqual(['ok', 'boom']);
    expect(calls).toEqual(['before', 'after', 'before', 'onError']);
    expect(serviceNames).toEqual(['dynamodb-indexer']);
  });
});
