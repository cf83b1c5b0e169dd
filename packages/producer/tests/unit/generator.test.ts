import { describe, expect, it } from '@jest/globals';
import { ErrorCode, parseInputEventJson, seriesKeyOf } from '@streamlens/schema';
import { createGenerator, InvalidKind, pace, SCENARIOS } from '../../src/index.js';

const START = Date.parse('2026-01-01T00:00:00.000Z');

describe('createGenerator', () => {
  it('produces the same records and truth for the same seed', () => {
    // Prepare
    const a = createGenerator({ seed: 42, startTimeMs: START, rate: 50 });
    const b = createGenerator({ seed: 42, startTimeMs: START, rate: 50 });
    // Act
    const ra = [...a.until(600)];
    const rb = [...b.until(600)];
    // Assess
    expect(ra.length).toBeGreaterThan(25_000);
    expect(rb.map((r) => r.data)).toEqual(ra.map((r) => r.data));
    expect(b.truth()).toEqual(a.truth());
    expect(a.truth().length).toBeGreaterThan(0);
  });

  it('produces different traffic for another seed', () => {
    const a = createGenerator({ seed: 1, startTimeMs: START }).take(50);
    const b = createGenerator({ seed: 2, startTimeMs: START }).take(50);
    expect(b.map((r) => r.data)).not.toEqual(a.map((r) => r.data));
  });

  it('schedules Poisson arrivals at the requested rate', () => {
    const records = [...createGenerator({ seed: 3, rate: 200, startTimeMs: START }).until(100)];
    // 20 000 expected; Poisson sd ≈ 141.
    expect(records.length).toBeGreaterThan(19_400);
    expect(records.length).toBeLessThan(20_600);
    const sorted = records.every(
      (r, i) => i === 0 || r.offsetMs >= (records[i - 1]?.offsetMs ?? 0),
    );
    expect(sorted).toBe(true);
  });

  it('ramps the rate linearly from 0 over rampSeconds, then holds it', () => {
    // Prepare: 20 s ramp to 500/s; the ramp holds 500 × 20 / 2 = 5,000 records, its first half a
    // quarter of them (the rate's integral grows as t²), every later second 500.
    const records = [
      ...createGenerator({ seed: 4, rate: 500, rampSeconds: 20, startTimeMs: START }).until(40),
    ];
    const between = (from: number, to: number) =>
      records.filter((r) => r.offsetMs >= from * 1000 && r.offsetMs < to * 1000).length;
    // Act
    const firstHalf = between(0, 10);
    const secondHalf = between(10, 20);
    const held = between(20, 40);
    // Assess: Poisson sd ≈ 35, 61 and 100.
    expect(firstHalf).toBeGreaterThan(1_250 - 150);
    expect(firstHalf).toBeLessThan(1_250 + 150);
    expect(secondHalf).toBeGreaterThan(3_750 - 250);
    expect(secondHalf).toBeLessThan(3_750 + 250);
    expect(held).toBeGreaterThan(10_000 - 400);
    expect(held).toBeLessThan(10_000 + 400);
    expect(records.every((r, i) => i === 0 || r.offsetMs >= (records[i - 1]?.offsetMs ?? 0))).toBe(
      true,
    );
  });

  it('keeps the same schedule without a ramp (rampSeconds 0 is the default)', () => {
    const plain = createGenerator({ seed: 9, rate: 300, startTimeMs: START }).take(2_000);
    const zero = createGenerator({ seed: 9, rate: 300, rampSeconds: 0, startTimeMs: START }).take(
      2_000,
    );
    expect(zero.map((r) => r.offsetMs)).toEqual(plain.map((r) => r.offsetMs));
    expect(zero.map((r) => r.data)).toEqual(plain.map((r) => r.data));
  });

  it('emits the configured share of invalid records, each rejected by the schema with its code', () => {
    // Prepare
    const gen = createGenerator({
      seed: 5,
      startTimeMs: START,
      scenario: 'steady',
      invalidShare: 0.2,
    });
    const expected: Record<string, string[]> = {
      [InvalidKind.BadJson]: [ErrorCode.INVALID_JSON],
      [InvalidKind.MissingField]: [ErrorCode.MISSING_FIELD],
      [InvalidKind.WrongType]: [ErrorCode.WRONG_TYPE],
      [InvalidKind.NonFinite]: [ErrorCode.NON_FINITE_NUMBER],
      [InvalidKind.UnknownType]: [ErrorCode.UNKNOWN_TYPE],
    };
    // Act
    const records = gen.take(10_000);
    // Assess
    const invalid = records.filter((r) => r.invalid !== undefined);
    expect(invalid.length / records.length).toBeGreaterThan(0.18);
    expect(invalid.length / records.length).toBeLessThan(0.22);
    const kinds = new Set(invalid.map((r) => r.invalid));
    expect(kinds.size).toBe(5);
    const wrong: string[] = [];
    for (const r of records) {
      const result = parseInputEventJson(r.data);
      const ok =
        r.invalid === undefined
          ? result.ok
          : !result.ok && (expected[r.invalid] ?? []).includes(result.error.code);
      if (!ok) wrong.push(`${r.invalid ?? 'valid'}: ${r.data}`);
    }
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(wrong.length).toBe(0);
  });

  it('mixes logs and telemetry in the scenario share, with distinct series and services', () => {
    const records = createGenerator({ seed: 9, startTimeMs: START, scenario: 'steady' }).take(
      10_000,
    );
    const logs = records.filter((r) => r.event?.type === 'app.log');
    expect(logs.length / records.length).toBeGreaterThan(SCENARIOS.steady.logShare - 0.02);
    expect(logs.length / records.length).toBeLessThan(SCENARIOS.steady.logShare + 0.02);
    const series = new Set(records.flatMap((r) => (r.event ? [seriesKeyOf(r.event)] : [])));
    expect(series.size).toBeGreaterThan(100);
    const errors = logs.filter(
      (r) => r.event?.type === 'app.log' && r.event.data.level === 'ERROR',
    );
    expect(errors.length / logs.length).toBeLessThan(0.08);
  });

  it('follows a daily pattern: afternoon values above night values', () => {
    // A compressed day of 600 s of event time; 12 h apart are opposite phases.
    const gen = createGenerator({
      seed: 11,
      startTimeMs: START,
      scenario: 'steady',
      dayLengthSeconds: 600,
      rate: 200,
    });
    const records = [...gen.until(600)];
    const cpuAt = (fromSec: number, toSec: number) => {
      const values = records
        .filter((r) => r.offsetMs >= fromSec * 1000 && r.offsetMs < toSec * 1000)
        .flatMap((r) =>
          r.event?.type === 'telemetry.reading' && r.event.data.metric === 'latency.ms'
            ? [r.event.data.value]
            : [],
        );
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    // Peak at 15:00 → 0.625 of the day; trough at 03:00 → 0.125.
    expect(cpuAt(360, 390)).toBeGreaterThan(cpuAt(60, 90) * 1.4);
  });

  it('writes every injected anomaly to the truth with its series, and the records show it', () => {
    // Prepare
    const gen = createGenerator({
      seed: 13,
      startTimeMs: START,
      rate: 60,
      anomalyEverySeconds: 60,
    });
    // Act
    const records = [...gen.until(1800)];
    const truth = gen.truth();
    // Assess
    expect(truth.length).toBeGreaterThan(15);
    expect(new Set(truth.map((t) => t.kind)).size).toBe(4);
    const byId = new Map(truth.map((t) => [t.id, t]));
    let tagged = 0;
    const mismatches: string[] = [];
    for (const r of records) {
      if (r.anomalyId === undefined || r.event === undefined) continue;
      tagged++;
      const t = byId.get(r.anomalyId);
      if (
        t === undefined ||
        seriesKeyOf(r.event) !== t.series ||
        r.eventTimeMs < Date.parse(t.start) ||
        r.eventTimeMs >= Date.parse(t.end)
      ) {
        mismatches.push(r.data);
      }
    }
    expect(mismatches).toEqual([]);
    expect(tagged).toBeGreaterThan(100);
    // A level shift or spike moves its series' mean by its magnitude.
    const shift = truth.find((t) => t.kind === 'level-shift');
    expect(shift).toBeDefined();
    const values = (inside: boolean) =>
      records.flatMap((r) =>
        r.event?.type === 'telemetry.reading' &&
        seriesKeyOf(r.event) === shift?.series &&
        (r.anomalyId === shift.id) === inside
          ? [r.event.data.value]
          : [],
      );
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(values(true))).toBeGreaterThan(mean(values(false)) * 1.5);
  });

  it('clips the truth to the traffic sent', () => {
    const gen = createGenerator({
      seed: 13,
      startTimeMs: START,
      rate: 50,
      anomalyEverySeconds: 60,
    });
    [...gen.until(300)];
    const until = START + 300_000;
    const truth = gen.truth({ untilMs: until });
    expect(truth.length).toBeGreaterThan(0);
    for (const t of truth) {
      expect(Date.parse(t.start)).toBeLessThan(until);
      expect(Date.parse(t.end)).toBeLessThanOrEqual(until);
    }
  });

  it('compresses event time with timeScale', () => {
    const gen = createGenerator({ seed: 1, startTimeMs: START, timeScale: 60, rate: 10 });
    const records = [...gen.until(60)];
    const last = records[records.length - 1];
    expect(last?.eventTimeMs).toBeGreaterThan(START + 3_400_000);
  });

  it('rejects an unknown scenario and a bad rate', () => {
    expect(() => createGenerator({ scenario: 'nope' as 'steady' })).toThrow(/unknown scenario/);
    expect(() => createGenerator({ rate: 0 })).toThrow(/rate/);
    expect(() => createGenerator({ rampSeconds: -1 })).toThrow(/rampSeconds/);
    expect(() => createGenerator({ rampSeconds: Number.NaN })).toThrow(/rampSeconds/);
  });
});

describe('pace', () => {
  it('yields records once their offset has passed', async () => {
    // Prepare: a fake clock that advances 100 ms per read.
    let t = 0;
    const gen = createGenerator({ seed: 1, startTimeMs: START, rate: 100 });
    // Act
    const batches: number[] = [];
    for await (const batch of pace(gen, { durationSeconds: 2, now: () => (t += 100), tickMs: 0 })) {
      batches.push(batch.length);
    }
    // Assess
    const total = batches.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(150);
    expect(total).toBeLessThan(250);
    expect(batches.length).toBeGreaterThan(5);
  });
});
