import { deflateRawSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { newLedger, type ProducedLedger } from '../../src/feed.js';
import { reconcileSinks } from '../../src/reconcile.js';

const T0 = '2026-12-07T10:00:00.000Z';
const T1 = '2026-12-07T10:00:10.000Z';

/** A window item as the aggregator stores it: statistics as attributes, the event deflated. */
function windowItem(series: string, start: string, count: number, final: boolean) {
  return {
    kind: { S: 'telemetry' },
    series: { S: series },
    windowStart: { S: start },
    count: { N: String(count) },
    z: { B: deflateRawSync(JSON.stringify({ data: { final } })) },
  } satisfies Record<string, AttributeValue>;
}

/** `n` telemetry readings of `series` inside the window that starts at `start`. */
function produce(ledger: ProducedLedger, series: string, start: string, n: number) {
  for (let i = 0; i < n; i++) {
    ledger.valid.set(`${series}-${start}-${i}`, {
      type: 'telemetry.reading',
      timeMs: Date.parse(start) + i,
      series,
    });
  }
}

async function windowsCheck(ledger: ProducedLedger, items: Record<string, AttributeValue>[]) {
  const checks = await reconcileSinks(
    { windows: { seconds: 10, items: async () => items } },
    ledger,
  );
  return checks.find((c) => c.name.startsWith('windows'));
}

describe('the windows check of the reconciliation', () => {
  it('waits for a window start until every series with events in it has its final window', async () => {
    // Arrange: series b's lane has not closed T0 yet (no item), series a's has
    const ledger = newLedger();
    produce(ledger, 'a', T0, 3);
    produce(ledger, 'b', T0, 2);
    // Act
    const check = await windowsCheck(ledger, [windowItem('a', T0, 3, true)]);
    // Assess
    expect(check?.status).toBe('skipped');
    expect(check?.detail).toContain('5 events in open windows');
  });

  it('compares the start once every series has its final window', async () => {
    // Arrange
    const ledger = newLedger();
    produce(ledger, 'a', T0, 3);
    produce(ledger, 'b', T0, 2);
    // Act
    const check = await windowsCheck(ledger, [
      windowItem('a', T0, 3, true),
      windowItem('b', T0, 2, true),
    ]);
    // Assess
    expect(check?.status).toBe('ok');
    expect(check?.actual).toBe(5);
  });

  it('counts a window as lost when its series already has a later final window', async () => {
    // Arrange: b's lane closed T1, so its T0 window can no longer come
    const ledger = newLedger();
    produce(ledger, 'a', T0, 3);
    produce(ledger, 'b', T0, 2);
    produce(ledger, 'b', T1, 1);
    // Act
    const check = await windowsCheck(ledger, [
      windowItem('a', T0, 3, true),
      windowItem('b', T1, 1, true),
    ]);
    // Assess
    expect(check?.status).toBe('failed');
    expect(check?.detail).toContain(`${T0}: 3 ≠ 5 (b)`);
  });

  it('fails on a final window that holds fewer events than were produced for it', async () => {
    // Arrange
    const ledger = newLedger();
    produce(ledger, 'a', T0, 3);
    // Act
    const check = await windowsCheck(ledger, [windowItem('a', T0, 2, true)]);
    // Assess
    expect(check?.status).toBe('failed');
    expect(check?.detail).toContain(`${T0}: 2 ≠ 3 (a)`);
  });
});
