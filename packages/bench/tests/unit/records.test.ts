import { describe, expect, it } from '@jest/globals';
import { InputEventSchema4 } from '../../src/peers/schemas.js';
import { generateRecords, InvalidKind, WORKLOAD_MAX_RECORD_BYTES } from '../../src/records.js';
import { plainCheck } from '../helpers/plain-check.js';

describe('generateRecords', () => {
  const records = generateRecords(10_000, { seed: 11 });

  it('is deterministic for a seed and differs across seeds', () => {
    // Prepare
    const again = generateRecords(500, { seed: 11 });
    // Act
    const other = generateRecords(500, { seed: 12 });
    // Assess
    expect(again.map((r) => r.json)).toEqual(records.slice(0, 500).map((r) => r.json));
    expect(other.map((r) => r.json)).not.toEqual(again.map((r) => r.json));
  });

  it('keeps ordinary records within 300–600 bytes and oversize ones above the limit', () => {
    // Prepare
    const valid = records.filter((r) => r.invalid === undefined);
    const oversize = records.filter((r) => r.invalid === InvalidKind.OVERSIZE);
    // Act
    const sizes = valid.map((r) => r.bytes);
    // Assess
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(300);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(600);
    expect(oversize.length).toBeGreaterThan(0);
    for (const r of oversize) expect(r.bytes).toBeGreaterThan(WORKLOAD_MAX_RECORD_BYTES);
    for (const r of records) expect(r.bytes).toBe(Buffer.byteLength(r.json));
  });

  it('makes about 5% of records invalid, of every kind', () => {
    // Act
    const invalid = records.filter((r) => r.invalid !== undefined);
    const kinds = new Set(invalid.map((r) => r.invalid));
    // Assess
    expect(invalid.length / records.length).toBeGreaterThan(0.04);
    expect(invalid.length / records.length).toBeLessThan(0.06);
    expect([...kinds].sort()).toEqual(Object.values(InvalidKind).sort());
  });

  it('mixes about 80% telemetry and 20% logs', () => {
    // Act
    const logs = records.filter((r) => r.type === 'app.log').length / records.length;
    // Assess
    expect(logs).toBeGreaterThan(0.17);
    expect(logs).toBeLessThan(0.23);
  });

  it('produces valid records that pass a plain check, and invalid ones that fail it', () => {
    // Act
    const verdicts = records.map((r) => ({
      r,
      ok: plainCheck(r.json, WORKLOAD_MAX_RECORD_BYTES),
    }));
    // Assess
    for (const { r, ok } of verdicts)
      expect({ invalid: r.invalid, ok }).toEqual({
        invalid: r.invalid,
        ok: r.invalid === undefined,
      });
  });

  it('agrees with the zod peer schema (except oversize, which is a size rule)', () => {
    // Act
    const disagreements = records.filter((r) => {
      if (r.invalid === InvalidKind.OVERSIZE) return false;
      let ok = false;
      try {
        ok = InputEventSchema4.safeParse(JSON.parse(r.json)).success;
      } catch {
        ok = false;
      }
      return ok !== (r.invalid === undefined);
    });
    // Assess
    expect(disagreements.map((r) => r.invalid)).toEqual([]);
  });

  it('writes non-finite values as raw JSON numbers that parse to Infinity', () => {
    // Prepare
    const nonFinite = records.filter((r) => r.invalid === InvalidKind.NON_FINITE);
    // Act
    const parsed = nonFinite.map((r) => r.json);
    // Assess
    expect(nonFinite.length).toBeGreaterThan(0);
    for (const json of parsed) expect(json).toMatch(/:-?1(\.\d+)?e(999|309)/);
  });
});
