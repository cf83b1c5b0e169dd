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

async function windowsCheck(
  ledger: ProducedLedger,
  items: Record<string, AttributeValue>[],
  dirtyStarts: string[] = [],
) {
  const checks = await reconcileSinks(
    {
      windows: {
        seconds: 10,
        items: async () => items,
        pendingStarts: async () => new Set(dirtyStarts),
      },
    },
    ledger,
  );
  return checks.find((c) => c.name.startsWith('windows'));
}

describe('the windows check of the reconciliation', () => {
  it('judges each final window and counts the windows not emitted yet as open', async () => {
    // Arrange: series b's lane has not emitted T0 yet (no item), series a's has
    const ledger = newLedger();
    produce(ledger, 'a', T0, 3);
    produce(ledger, 'b', T0, 2);
    // Act
    const check = await windowsCheck(ledger, [windowItem('a', T0, 3, true)]);
    // Assess
    expect(check?.status).toBe('ok');
    expect(check?.detail).toBe(
      '1 final windows (10 s) hold 3 events; 2 events in windows not emitted yet',
    );
  });

  it('passes when every series has its final window with its readings', async () => {
    // Arrange
    const ledger = newLedger();
    produce(ledger, 'a', T0, 3);
    produce(ledger, 'b', T0, 2);
    produce(ledger, 'b', T1, 1);
    // Act
    const check = await windowsCheck(ledger, [
      windowItem('a', T0, 3, true),
      windowItem('b', T0, 2, true),
      windowItem('b', T1, 1, true),
    ]);
    // Assess
    expect(check?.status).toBe('ok');
    expect(check?.actual).toBe(3);
  });

  it('fails on a final window that holds fewer readings than were produced for it', async () => {
    // Arrange
    const ledger = newLedger();
    produce(ledger, 'a', T0, 3);
    // Act
    const check = await windowsCheck(ledger, [windowItem('a', T0, 2, true)]);
    // Assess
    expect(check?.status).toBe('failed');
    expect(check?.detail).toContain(`${T0} a: 2 ≠ 3`);
  });

  it('fails when one series holds another series readings, even if the start adds up', async () => {
    // Arrange: 3 + 2 at T0, stored as 4 + 1
    const ledger = newLedger();
    produce(ledger, 'a', T0, 3);
    produce(ledger, 'b', T0, 2);
    // Act
    const check = await windowsCheck(ledger, [
      windowItem('a', T0, 4, true),
      windowItem('b', T0, 1, true),
    ]);
    // Assess
    expect(check?.status).toBe('failed');
    expect(check?.detail).toContain(`${T0} a: 4 ≠ 3`);
    expect(check?.detail).toContain(`${T0} b: 1 ≠ 2`);
  });

  it('does not judge a window that is not final yet', async () => {
    // Arrange
    const ledger = newLedger();
    produce(ledger, 'a', T0, 3);
    // Act
    const check = await windowsCheck(ledger, [windowItem('a', T0, 1, false)]);
    // Assess
    expect(check?.status).toBe('skipped');
    expect(check?.detail).toContain('3 events in windows not emitted yet');
  });

  it('holds a final window with a correction pending as open, and still judges the other starts', async () => {
    // Arrange: a fifth reading of a at T0 arrived after T0 was emitted final (4 readings); the
    // aggregator applied it as a correction and still marks T0 dirty. T1 is settled but wrong.
    const ledger = newLedger();
    produce(ledger, 'a', T0, 5);
    produce(ledger, 'a', T1, 2);
    const items = [windowItem('a', T0, 4, true), windowItem('a', T1, 1, true)];
    // Act
    const check = await windowsCheck(ledger, items, [T0]);
    // Assess
    expect(check?.status).toBe('failed');
    expect(check?.detail).toContain('1 final windows with a revision pending');
    expect(check?.detail).toContain(`${T1} a: 1 ≠ 2`);
    expect(check?.detail).not.toContain(`${T0} a`);
  });

  it('fails a final window one reading short when no revision of it is pending', async () => {
    // Arrange: the same window, but the aggregator holds no dirty marker for T0
    const ledger = newLedger();
    produce(ledger, 'a', T0, 5);
    // Act
    const check = await windowsCheck(ledger, [windowItem('a', T0, 4, true)], [T1]);
    // Assess
    expect(check?.status).toBe('failed');
    expect(check?.detail).toContain(`${T0} a: 4 ≠ 5`);
  });
});
