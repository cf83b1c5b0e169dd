import { describe, expect, it } from '@jest/globals';
import type { MetricsWindowData } from '@streamlens/schema';
import { alertAnomaly, metricsWindow } from '@streamlens/schema/testing';
import type { AggregatesReader } from '../../src/aggregates.js';
import { DashboardHub, type Update } from '../../src/hub.js';
import { alertViewOf } from '../../src/model.js';
import { SourceUnavailableError } from '../../src/problems.js';
import { detectorConfig } from '../../src/score.js';
import { composeSource, type PipelineCounters, type RunOutcome } from '../../src/source.js';

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);
const window = (i: number, mean: number): MetricsWindowData =>
  metricsWindow({
    data: {
      windowStart: new Date(T0 + i * 10_000).toISOString(),
      windowEnd: new Date(T0 + (i + 1) * 10_000).toISOString(),
      windowSeconds: 10,
      mean,
      p50: mean,
      p90: mean + 1,
      p99: mean + 2,
      min: mean - 2,
      max: mean + 2,
      sum: mean * 3,
    },
  }).data;

/** A reader that hands out the batches it is given, or throws the error it is given. */
function fakeReader() {
  const queue: (MetricsWindowData[] | Error)[] = [];
  const reader = {
    read: async () => {
      const next = queue.shift() ?? [];
      if (next instanceof Error) throw next;
      return { windows: next, rejected: next.length ? {} : { INVALID_JSON: 1 } };
    },
  } as unknown as AggregatesReader;
  return { reader, queue };
}

describe('DashboardHub', () => {
  it('turns the counters of two polls into rates per second', async () => {
    // Arrange
    const { reader } = fakeReader();
    const counters: PipelineCounters[] = [
      {
        atMs: 1_000,
        produced: 0,
        stages: [
          {
            name: 'agg',
            kind: 'function',
            recordsIn: 0,
            recordsOut: 0,
            errors: 0,
            onFailure: 0,
            deadLetter: 0,
          },
        ],
      },
      {
        atMs: 3_000,
        produced: 4_000,
        stages: [
          {
            name: 'agg',
            kind: 'function',
            recordsIn: 3_000,
            recordsOut: 2_000,
            errors: 1,
            onFailure: 2,
            deadLetter: 0,
          },
        ],
      },
    ];
    const hub = new DashboardHub(
      composeSource({
        label: 't',
        windows: reader,
        pipeline: () => counters.shift() as PipelineCounters,
      }),
    );

    // Act
    await hub.poll();
    await hub.poll();

    // Assert
    const latest = hub.pipeline().latest;
    expect(latest?.producedPerSecond).toBe(2_000);
    expect(latest?.stages[0]).toMatchObject({
      inPerSecond: 1_500,
      outPerSecond: 1_000,
      onFailure: 2,
    });
    expect(hub.pipeline().history).toHaveLength(2);
  });

  it('sends each change once to its listeners, never raw events', async () => {
    // Arrange
    const { reader, queue } = fakeReader();
    const alerts = [alertViewOf('a1', alertAnomaly().data)];
    const hub = new DashboardHub(
      composeSource({ label: 't', windows: reader, alerts: () => alerts.splice(0) }),
    );
    const updates: Update[] = [];
    hub.onUpdate((u) => updates.push(u));
    queue.push([window(0, 10), window(1, 11)], [window(1, 11)]);

    // Act
    await hub.poll();
    await hub.poll(); // the same window again: nothing changed
    await hub.poll(); // nothing at all

    // Assert
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ series: 1, changed: [window(0, 1).series] });
    expect(updates[0]?.alerts.map((a) => a.id)).toEqual(['a1']);
    // Windows stay on the server: an update names the series that changed, not their values.
    expect(JSON.stringify(updates[0])).not.toContain('"p99"');
    expect(hub.snapshot().rejected).toEqual({ INVALID_JSON: 1 });
  });

  it('reports a missing stream as its error state and recovers when it answers', async () => {
    // Arrange
    const { reader, queue } = fakeReader();
    const hub = new DashboardHub(composeSource({ label: 't', windows: reader }));
    queue.push(new SourceUnavailableError('stream s not found', 'not-found'), [window(0, 1)]);

    // Act
    await hub.poll();
    const failed = hub.snapshot().status;
    await hub.poll();

    // Assert
    expect(failed).toMatchObject({
      state: 'error',
      reason: 'not-found',
      message: 'stream s not found',
    });
    expect(hub.snapshot().status.state).toBe('ok');
  });

  it("takes the rates a source measured itself (a stage's CloudWatch) as they are", async () => {
    // Arrange: one refresh, totals over a span rather than since a start.
    const { reader } = fakeReader();
    const stage = {
      name: 'λ anomaly-alerts detect ← aggregates',
      kind: 'function' as const,
      recordsIn: 9_000,
      recordsOut: 8_000,
      errors: 0,
      onFailure: 0,
      deadLetter: 0,
      inPerSecond: 10,
      outPerSecond: 9,
    };
    const hub = new DashboardHub(
      composeSource({
        label: 't',
        windows: reader,
        pipeline: async () => ({ atMs: 60_000, stages: [stage], span: 'last 15 min' }),
      }),
    );

    // Act
    await hub.poll();

    // Assert
    expect(hub.pipeline().latest).toMatchObject({
      span: 'last 15 min',
      stages: [{ recordsIn: 9_000, inPerSecond: 10, outPerSecond: 9 }],
    });
  });

  it('shows a part that cannot be read in its own view, while the windows go on', async () => {
    // Arrange: a stage whose state table is refused, then readable.
    const { reader, queue } = fakeReader();
    const refused = Object.assign(new Error('not authorized to perform: dynamodb:Scan'), {
      name: 'AccessDeniedException',
    });
    const alertReads: (() => never[])[] = [
      () => {
        throw refused;
      },
      () => [],
    ];
    const hub = new DashboardHub(
      composeSource({
        label: 't',
        windows: reader,
        alerts: () => (alertReads.shift() as () => never[])(),
        names: { alerts: 'state table streamlens-prod-anomaly-state' },
      }),
    );
    const updates: Update[] = [];
    hub.onUpdate((u) => updates.push(u));
    queue.push([window(0, 1)], [window(1, 1)]);

    // Act
    await hub.poll();
    const during = hub.snapshot();
    await hub.poll();

    // Assert
    expect(during.status.state).toBe('ok');
    expect(during.series).toBe(1);
    expect(during.problems).toEqual({
      alerts: {
        reason: 'denied',
        message:
          'no permission to read state table streamlens-prod-anomaly-state: not authorized to perform: dynamodb:Scan',
      },
    });
    expect(updates[0]?.problems.alerts?.reason).toBe('denied');
    expect(hub.snapshot().problems).toEqual({});
    expect(updates.at(-1)?.problems).toEqual({});
  });

  it('keeps the outcome of a run once it is given', async () => {
    // Arrange
    const { reader } = fakeReader();
    let outcome: RunOutcome | undefined;
    const hub = new DashboardHub(
      composeSource({ label: 't', windows: reader, outcome: () => outcome }),
    );
    await hub.poll();

    // Act
    outcome = { ok: true, checks: [{ name: 'lake', status: 'ok', detail: '10 ids' }], notes: [] };
    await hub.poll();

    // Assert
    expect(hub.snapshot().outcome?.checks[0]?.name).toBe('lake');
    expect(hub.pipeline().outcome?.ok).toBe(true);
  });

  it("scores a series' windows with the detector: nothing in warm-up, a jump scores high", async () => {
    // Arrange
    const { reader, queue } = fakeReader();
    const hub = new DashboardHub(composeSource({ label: 't', windows: reader }), {
      detector: detectorConfig(10),
    });
    const steady = Array.from({ length: 30 }, (_, i) => window(i, 50 + (i % 3)));
    queue.push([...steady, window(30, 500)]);

    // Act
    await hub.poll();
    const detail = hub.seriesDetail(steady[0]?.series ?? '');

    // Assert
    const scores = detail?.scores.map((s) => s.score) ?? [];
    expect(scores.slice(0, 10).every((s) => s === null)).toBe(true);
    expect(scores.at(-1)).toBeGreaterThan(0.5);
    expect(Math.max(...scores.slice(12, 30).map((s) => s ?? 0))).toBeLessThan(0.5);
  });
});
