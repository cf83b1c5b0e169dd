import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  fastAlertAnomaly,
  fastAppLog,
  fastMetricsWindow,
  fastTelemetryReading,
} from '../../src/fast.js';
import { type EventType, validateEvent } from '../../src/index.js';
import { EVENT_TYPES } from '../../src/zod.js';
import {
  alertAnomalyArb,
  appLogArb,
  maybeInvalidEvent,
  metricsWindowArb,
  telemetryReadingArb,
} from '../helpers/arbitraries.js';

// The fast validators must accept exactly what the zod schemas (the source of truth) accept.
const FAST: Record<EventType, (e: unknown) => boolean> = {
  'telemetry.reading': fastTelemetryReading,
  'app.log': fastAppLog,
  'metrics.window': fastMetricsWindow,
  'alert.anomaly': fastAlertAnomaly,
};

function fastAccepts(type: EventType, value: unknown): boolean {
  return typeof value === 'object' && value !== null && FAST[type](value);
}

describe('fast validators agree with the zod schemas', () => {
  it.each([
    ['telemetry.reading', telemetryReadingArb],
    ['app.log', appLogArb],
    ['metrics.window', metricsWindowArb],
    ['alert.anomaly', alertAnomalyArb],
  ] as const)('accept every generated valid %s', (type, arb) => {
    fc.assert(
      fc.property(arb, (event) => {
        // Prepare / Act
        const zodOk = EVENT_TYPES[type].schema.safeParse(event).success;
        // Assess
        expect(zodOk).toBe(true);
        expect(fastAccepts(type, event)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('both accept or both reject mutated events, for every type', () => {
    let ownTypeRejected = 0;
    let ownTypeAccepted = 0;
    fc.assert(
      fc.property(maybeInvalidEvent, (value) => {
        for (const type of Object.keys(FAST) as EventType[]) {
          // Prepare / Act
          const zodOk = EVENT_TYPES[type].schema.safeParse(value).success;
          const fastOk = fastAccepts(type, value);
          if ((value as { type?: unknown }).type === type) {
            if (zodOk) ownTypeAccepted++;
            else ownTypeRejected++;
          }
          // Assess (expect only on a mismatch: deep equality per run is slow)
          if (fastOk !== zodOk)
            expect({ type, fastOk, value }).toEqual({ type, fastOk: zodOk, value });
        }
      }),
      { numRuns: 2500 },
    );
    // Both outcomes must be well represented, or the test proves little.
    expect(ownTypeRejected).toBeGreaterThan(500);
    expect(ownTypeAccepted).toBeGreaterThan(500);
  });

  it('agree on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        for (const type of Object.keys(FAST) as EventType[]) {
          // Act / Assess
          expect(fastAccepts(type, value)).toBe(EVENT_TYPES[type].schema.safeParse(value).success);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('validateEvent explains every rejection with a code and a path', () => {
    fc.assert(
      fc.property(maybeInvalidEvent, (value) => {
        // Act
        const result = validateEvent(value);
        // Assess
        if (!result.ok) {
          expect(result.error.path).toMatch(/^\$/);
          expect(result.error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
