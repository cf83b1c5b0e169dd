import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionContainer } from '../../src/runtime/container.js';

const handlerModule = join(import.meta.dirname, '../helpers/handlers/echo-context.mjs');
const containers: FunctionContainer[] = [];
afterEach(async () => {
  await Promise.all(containers.splice(0).map((c) => c.stop()));
});

function container(overrides: Partial<ConstructorParameters<typeof FunctionContainer>[0]> = {}) {
  const c = new FunctionContainer({
    functionName: 'svc-dev-echo',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:svc-dev-echo',
    entry: handlerModule,
    exportName: 'handler',
    timeoutSeconds: 3,
    memorySize: 256,
    environment: { MARKER: 'a' },
    workDir: mkdtempSync(join(tmpdir(), 'lp-container-')),
    ...overrides,
  });
  containers.push(c);
  return c;
}

describe('function container', () => {
  it('loads the module once, gives it a Lambda-like context and its own environment', async () => {
    // Prepare
    const a = container();
    const b = container({ environment: { MARKER: 'b' }, functionName: 'svc-dev-other' });
    // Act
    const first = await a.invoke({});
    const second = await a.invoke({});
    const other = await b.invoke({});
    // Assess
    expect(first.ok && second.ok && other.ok).toBe(true);
    const v1 = (first as { value: Record<string, unknown> }).value;
    const v2 = (second as { value: Record<string, unknown> }).value;
    const vb = (other as { value: Record<string, unknown> }).value;
    expect(v1).toMatchObject({
      invocations: 1,
      functionName: 'svc-dev-echo',
      marker: 'a',
      lambdaName: 'svc-dev-echo',
    });
    expect(v2).toMatchObject({ invocations: 2, loadedAt: v1.loadedAt });
    expect(v1.awsRequestId).not.toBe(v2.awsRequestId);
    expect(v1.remainingMs).toBeGreaterThan(1_000);
    expect(v1.remainingMs).toBeLessThanOrEqual(3_000);
    expect(vb).toMatchObject({ marker: 'b', functionName: 'svc-dev-other', invocations: 1 });
    expect(a.stats.coldStarts).toBe(1);
  });

  it('reports handler errors and timeouts as function errors; a timed-out container is replaced', async () => {
    // Prepare
    const c = container({ timeoutSeconds: 0.3 });
    // Act
    const failed = await c.invoke({ crash: true });
    const timedOut = await c.invoke({ sleepMs: 1_000 });
    const after = await c.invoke({});
    // Assess
    expect(failed).toMatchObject({
      ok: false,
      errorType: 'TypeError',
      errorMessage: 'asked to fail',
    });
    expect(timedOut).toMatchObject({ ok: false, errorType: 'Sandbox.Timedout' });
    expect(after.ok).toBe(true);
    expect((after as { value: { invocations: number } }).value.invocations).toBe(1);
    expect(c.stats.coldStarts).toBe(2);
  });

  it('chaos: crashes after the handler ran, before the response, and starts a fresh container', async () => {
    // Prepare
    const c = container({ crashProbability: 1 });
    // Act
    const outcome = await c.invoke({});
    // Assess
    expect(outcome).toMatchObject({ ok: false, errorType: 'Runtime.ExitError' });
    expect(c.stats.crashes).toBe(1);
  });
});
