import { describe, expect, it, jest } from '@jest/globals';
import { createObservability, lambdaHandler } from '../../src/index.js';
import { lambdaContext } from '../helpers/kinesis.js';

function captureStdout() {
  const lines: string[] = [];
  const spy = jest
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  return { lines, spy };
}

describe('createObservability', () => {
  it('names the service in logs and metrics', () => {
    // Act
    const { logger, metrics } = createObservability('unit-svc', { namespace: 'ns' });
    // Assess
    expect(logger.getPersistentLogAttributes()).toEqual({});
    expect(
      (logger as unknown as { powertoolsLogData: { serviceName: string } }).powertoolsLogData
        .serviceName,
    ).toBe('unit-svc');
    const emf = JSON.stringify(metrics.serializeMetrics());
    expect(emf).toContain('"service":"unit-svc"');
    expect(emf).toContain('"Namespace":"ns"');
  });
});

describe('lambdaHandler', () => {
  it('adds the Lambda context to log lines and flushes metrics after each invocation', async () => {
    // Prepare
    const { logger, metrics } = createObservability('unit-svc', { namespace: 'ns' });
    const publish = jest.spyOn(metrics, 'publishStoredMetrics');
    const handler = lambdaHandler(
      async (event: { n: number }) => {
        logger.info('working', { n: event.n });
        metrics.addMetric('Things', 'Count', event.n);
        return event.n * 2;
      },
      { logger, metrics, captureColdStartMetric: false },
    );
    const { lines } = captureStdout();
    // Act
    const result = await handler({ n: 21 }, lambdaContext());
    // Assess
    expect(result).toBe(42);
    expect(publish).toHaveBeenCalledTimes(1);
    const log = lines.map((l) => JSON.parse(l)).find((l) => l.message === 'working');
    expect(log).toMatchObject({
      service: 'unit-svc',
      function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      function_name: 'streamlens-test-fn',
      n: 21,
    });
    expect(lines.some((l) => l.includes('"Things"'))).toBe(true);
  });

  it('still flushes metrics when the handler throws, and rethrows', async () => {
    // Prepare
    const { logger, metrics } = createObservability('unit-svc', { namespace: 'ns' });
    const publish = jest.spyOn(metrics, 'publishStoredMetrics');
    const boom = new Error('boom');
    const handler = lambdaHandler(
      async () => {
        metrics.addMetric('Tried', 'Count', 1);
        throw boom;
      },
      { logger, metrics, captureColdStartMetric: false },
    );
    captureStdout();
    // Act
    const error = await handler({}, lambdaContext()).catch((e: unknown) => e);
    // Assess
    expect(error).toBe(boom);
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('runs extra middlewares', async () => {
    // Prepare
    const { logger, metrics } = createObservability('unit-svc', { namespace: 'ns' });
    const before = jest.fn();
    const handler = lambdaHandler(async () => 'ok', {
      logger,
      metrics,
      captureColdStartMetric: false,
      use: [{ before }],
    });
    captureStdout();
    // Act
    await handler({}, lambdaContext());
    // Assess
    expect(before).toHaveBeenCalledTimes(1);
  });
});
