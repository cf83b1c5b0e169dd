import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { bundleHandler, FunctionContainer, forgetBundles } from '../../src/runtime/container.js';
import { FunctionPool } from '../../src/runtime/pool.js';

const handlerModule = join(import.meta.dirname, '../helpers/handlers/echo-context.mjs');
const containers: FunctionContainer[] = [];
const pools: FunctionPool[] = [];

/** A pool of up to `size` containers of the sleep handler (stopped after the test). */
function sleepPool(size: number): FunctionPool {
  const pool = new FunctionPool(
    {
      functionName: 'svc-dev-sleep',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:svc-dev-sleep',
      entry: join(import.meta.dirname, '../helpers/handlers/sleep.mjs'),
      exportName: 'handler',
      timeoutSeconds: 5,
      memorySize: 256,
      environment: {},
      workDir: mkdtempSync(join(tmpdir(), 'lp-pool-')),
    },
    size,
  );
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all([...containers.splice(0), ...pools.splice(0)].map((c) => c.stop()));
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

  it('reuses a cached bundle while every input file is unchanged, rebundles when one changes', async () => {
    // Prepare
    const src = mkdtempSync(join(tmpdir(), 'lp-bundle-src-'));
    const cache = mkdtempSync(join(tmpdir(), 'lp-bundle-cache-'));
    const entry = join(src, 'handler.mjs');
    writeFileSync(
      entry,
      "import { word } from './dep.mjs';\nexport const handler = async () => word;\n",
    );
    writeFileSync(join(src, 'dep.mjs'), "export const word = 'first';\n");
    // Act
    const built = await bundleHandler(entry, cache);
    forgetBundles();
    const reused = await bundleHandler(entry, cache);
    writeFileSync(join(src, 'dep.mjs'), "export const word = 'second';\n");
    forgetBundles();
    const rebuilt = await bundleHandler(entry, cache);
    // Assess
    expect(reused).toBe(built);
    expect(rebuilt).not.toBe(built);
    expect(readFileSync(rebuilt, 'utf8')).toContain('second');
    expect(readFileSync(built, 'utf8')).toContain('first');
  });

  it('runs concurrent invocations on separate containers up to the pool size, then queues', async () => {
    // Prepare
    const pool = sleepPool(2);
    await pool.warm();
    // Act
    const outcomes = await Promise.all([1, 2, 3].map(() => pool.invoke({ ms: 400 })));
    // Assess
    const ids = outcomes.map((o) => (o.ok ? (o.value as { containerId: string }).containerId : ''));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(new Set(ids).size).toBe(2);
    expect(pool.stats).toMatchObject({ invocations: 3, coldStarts: 2, peakConcurrency: 2 });
  });

  it('starts every container of the pool before traffic, so the first concurrent invocations are warm', async () => {
    // Prepare
    const pool = sleepPool(3);
    // Act
    await pool.warm();
    const warmed = pool.stats.coldStarts;
    await pool.warm();
    const outcomes = await Promise.all([1, 2, 3].map(() => pool.invoke({ ms: 50 })));
    // Assess: three init phases before traffic, none again after, no cold start on invocation
    expect(warmed).toBe(3);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(pool.stats).toMatchObject({ invocations: 3, coldStarts: 3, peakConcurrency: 3 });
  });
});
