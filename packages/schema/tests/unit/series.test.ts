import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { seriesKey, seriesKeyOf } from '../../src/index.js';
import { appLog, telemetryReading } from '../../src/testing/index.js';

const name = fc.string({ maxLength: 6, unit: fc.constantFrom('a', 'b', '|', '=', '\\', ',', ' ') });
const dims = fc.dictionary(name, name, { maxKeys: 4 });

describe('seriesKey', () => {
  it('sorts dimensions', () => {
    // Prepare / Act
    const key = seriesKey('cpu', { region: 'eu', host: 'a' });
    // Assess
    expect(key).toBe('cpu|host=a|region=eu');
    expect(seriesKey('cpu', { host: 'a', region: 'eu' })).toBe(key);
  });

  it('escapes separators and the escape character', () => {
    // Prepare / Act
    const key = seriesKey('a|b', { 'k=1': 'v\\|' });
    // Assess
    expect(key).toBe('a\\|b|k\\=1=v\\\\\\|');
  });

  it('never maps two distinct series to one key (injective)', () => {
    fc.assert(
      fc.property(name, dims, name, dims, (m1, d1, m2, d2) => {
        // Prepare
        const same =
          m1 === m2 &&
          JSON.stringify(Object.entries(d1).sort()) === JSON.stringify(Object.entries(d2).sort());
        // Act
        const k1 = seriesKey(m1, d1);
        const k2 = seriesKey(m2, d2);
        // Assess
        expect(k1 === k2).toBe(same);
      }),
      { numRuns: 5000 },
    );
  });

  it('does not depend on key insertion order', () => {
    fc.assert(
      fc.property(name, dims, (m, d) => {
        // Prepare
        const reversed = Object.fromEntries(Object.entries(d).reverse());
        // Act / Assess
        expect(seriesKey(m, reversed)).toBe(seriesKey(m, d));
      }),
    );
  });
});

describe('seriesKeyOf', () => {
  it('keys a reading by metric and dimensions', () => {
    // Prepare
    const event = telemetryReading({ data: { metric: 'cpu', dimensions: { z: '1', a: '2' } } });
    // Act / Assess
    expect(seriesKeyOf(event)).toBe('cpu|a=2|z=1');
  });

  it('keeps only the requested dimensions', () => {
    // Prepare
    const event = telemetryReading({ data: { metric: 'cpu', dimensions: { host: 'h', az: 'x' } } });
    // Act / Assess
    expect(seriesKeyOf(event, { dimensions: ['host', 'missing'] })).toBe('cpu|host=h');
  });

  it('keys a log by log.count, service and level', () => {
    // Prepare
    const event = appLog({ data: { service: 'a|b', level: 'ERROR' } });
    // Act / Assess
    expect(seriesKeyOf(event)).toBe('log.count|level=ERROR|service=a\\|b');
  });

  it('keys a reading without dimensions by its metric alone', () => {
    // Prepare
    const event = telemetryReading({ data: { metric: 'm', dimensions: undefined } });
    // Act / Assess
    expect(seriesKeyOf(event)).toBe('m');
  });
});
