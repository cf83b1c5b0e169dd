import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  normalizeEvent,
  normalizeEventInPlace,
  normalizeTime,
  type StreamlensEvent,
  toNdjsonLine,
  validateEvent,
} from '../../src/index.js';
import { alertAnomaly, appLog, metricsWindow, telemetryReading } from '../../src/testing/index.js';
import {
  alertAnomalyArb,
  appLogArb,
  metricsWindowArb,
  telemetryReadingArb,
} from '../helpers/arbitraries.js';

describe('normalizeEvent', () => {
  it('converts time to UTC with milliseconds', () => {
    // Prepare
    const event = telemetryReading({ time: '2026-03-01T01:30:00+01:30' });
    // Act
    const out = normalizeEvent(event);
    // Assess
    expect(out.time).toBe('2026-03-01T00:00:00.000Z');
    expect(event.time).toBe('2026-03-01T01:30:00+01:30');
  });

  it.each([
    ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00.000Z'],
    ['2026-01-01T00:00:00.123456Z', '2026-01-01T00:00:00.123Z'],
    ['2025-12-31T23:00:00-01:00', '2026-01-01T00:00:00.000Z'],
  ])('normalizes %s to %s', (input, expected) => {
    // Act / Assess
    expect(normalizeTime(input)).toBe(expected);
  });

  it('trims strings and sorts dimensions, keeping the event valid', () => {
    // Prepare
    const event = telemetryReading({
      id: ' id-1 ',
      data: { metric: ' cpu ', dimensions: { z: ' 1 ', a: '2' } },
    });
    // Act
    const out = normalizeEvent(event);
    // Assess
    expect(out.id).toBe('id-1');
    expect(out.data.metric).toBe('cpu');
    expect(Object.entries(out.data.dimensions ?? {})).toEqual([
      ['a', '2'],
      ['z', '1'],
    ]);
    expect(validateEvent(out).ok).toBe(true);
  });

  it('returns the same object when the event is already canonical', () => {
    // Prepare
    const event = appLog();
    // Act / Assess
    expect(normalizeEvent(event)).toBe(event);
  });

  it('trims log messages and sorts attributes', () => {
    // Prepare
    const event = appLog({ data: { message: 'boom\n', attributes: { b: 1, a: true } } });
    // Act
    const out = normalizeEvent(event);
    // Assess
    expect(out.data.message).toBe('boom');
    expect(Object.keys(out.data.attributes ?? {})).toEqual(['a', 'b']);
  });

  it('normalizes window times and dimensions of output events', () => {
    // Prepare
    const window = metricsWindow({
      data: { windowStart: '2026-01-01T01:00:00+01:00', dimensions: { z: 'a', b: 'c' } },
    });
    // Act
    const out = normalizeEvent(window);
    // Assess
    expect(out.data.windowStart).toBe('2026-01-01T00:00:00.000Z');
    expect(Object.keys(out.data.dimensions)).toEqual(['b', 'z']);
    expect(normalizeEvent(alertAnomaly()).type).toBe('alert.anomaly');
  });

  it('does not add absent optional fields', () => {
    // Prepare
    const { subject: _s, ...event } = telemetryReading({ time: '2026-01-01T00:00:00Z' });
    // Act
    const out = normalizeEvent(event as ReturnType<typeof telemetryReading>);
    // Assess
    expect('subject' in out).toBe(false);
  });
});

describe('normalizeEventInPlace', () => {
  const anyEvent = fc.oneof(telemetryReadingArb, appLogArb, metricsWindowArb, alertAnomalyArb);

  it('serialises exactly as normalizeEvent does, for every type', () => {
    fc.assert(
      fc.property(anyEvent, (generated) => {
        // Prepare: a parsed copy, as a consumer owns it (JSON key order, no shared objects)
        const event = JSON.parse(JSON.stringify(generated)) as StreamlensEvent;
        const expected = JSON.stringify(normalizeEvent(event));
        // Act
        const out = normalizeEventInPlace(JSON.parse(JSON.stringify(generated)));
        // Assess
        expect(JSON.stringify(out)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('changes the event it is given and returns it', () => {
    // Prepare
    const event = telemetryReading({
      id: ' id-1 ',
      time: '2026-03-01T01:30:00+01:30',
      data: { metric: ' cpu ', dimensions: { z: '1', a: '2' } },
    });
    const data = event.data;
    // Act
    const out = normalizeEventInPlace(event);
    // Assess
    expect(out).toBe(event);
    expect(out.data).toBe(data);
    expect(event.id).toBe('id-1');
    expect(event.time).toBe('2026-03-01T00:00:00.000Z');
    expect(Object.keys(event.data.dimensions ?? {})).toEqual(['a', 'z']);
  });

  it('does not add absent optional fields', () => {
    // Prepare: no subject, unit or dimensions, and a time to normalise
    const event = telemetryReading({ time: '2026-01-01T00:00:00Z' });
    delete (event as { subject?: string }).subject;
    event.data = { metric: ' cpu ', value: 1 };
    // Act
    const out = normalizeEventInPlace(event);
    // Assess
    expect('subject' in out).toBe(false);
    expect(out.data).toEqual({ metric: 'cpu', value: 1 });
    expect(Object.keys(out.data)).toEqual(['metric', 'value']);
  });
});

describe('toNdjsonLine', () => {
  it('is one line of JSON ending with a newline', () => {
    // Prepare
    const event = appLog({ data: { message: 'a\nb' } });
    // Act
    const line = toNdjsonLine(event);
    // Assess
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual(event);
  });
});
