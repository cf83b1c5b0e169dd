import { describe, expect, it } from '@jest/globals';
import {
  CALIBRATION_BINS,
  calibrationAdd,
  logCalibratedTail,
} from '../../../src/detector/calibration.js';
import { scoreOfP } from '../../../src/detector/detector.js';
import { logNormalTail, logTwoSidedNormal, logTwoSidedT } from '../../../src/detector/stats.js';

describe('normal tail in log space', () => {
  it.each([
    [0, 0.5],
    [1, 0.15865525393145707],
    [2.5, 0.006209665325776132],
    [3, 0.0013498980316301035],
    [5, 2.866515718791939e-7],
    [10, 7.61985302416047e-24],
    [-1, 0.8413447460685429],
  ])('Q(%d) = %d', (z, q) => {
    // Act
    const got = logNormalTail(z);
    // Assess: relative error under 1e-9
    expect(Math.abs(got - Math.log(q))).toBeLessThan(1e-9);
  });

  it('stays finite and exact far past where p underflows', () => {
    // Act
    const at40 = logNormalTail(40);
    const at1e6 = logTwoSidedNormal(1e6);
    // Assess: Q(z) ≈ φ(z)/z for large z
    expect(at40).toBeCloseTo(-800 - 0.5 * Math.log(2 * Math.PI) - Math.log(40), 2);
    expect(Number.isFinite(at1e6)).toBe(true);
    expect(at1e6).toBeLessThan(-4e11);
    expect(logTwoSidedNormal(0)).toBe(0);
  });
});

describe("Student's t tail", () => {
  it.each([
    [2.228138852, 10, 0.05],
    [2.085963447, 20, 0.05],
    [3.169272673, 10, 0.01],
  ])('P(|T| ≥ %d) with %d degrees of freedom is %d', (t, dof, p) => {
    // Act
    const got = Math.exp(logTwoSidedT(t, dof));
    // Assess: within 2% of p
    expect(Math.abs(got - p) / p).toBeLessThan(0.02);
  });

  it('has heavier tails with fewer degrees of freedom and tends to the normal', () => {
    // Act / Assess
    expect(logTwoSidedT(6, 10)).toBeGreaterThan(logTwoSidedT(6, 100));
    expect(logTwoSidedT(6, 100)).toBeGreaterThan(logTwoSidedNormal(6));
    expect(logTwoSidedT(6, 1e7)).toBeCloseTo(logTwoSidedNormal(6), 4);
    expect(logTwoSidedT(0, 5)).toBe(0);
  });
});

describe('calibration of surprisal against the series history', () => {
  it('is the fraction of the history at least as surprised', () => {
    // Prepare: 1000 surprisals, 10 of them ≥ 6 nats
    const hist = new Array<number>(CALIBRATION_BINS).fill(0);
    for (let i = 0; i < 990; i++) calibrationAdd(hist, 0.2, 8640);
    for (let i = 0; i < 10; i++) calibrationAdd(hist, 6, 8640);
    // Act
    const atZero = logCalibratedTail(hist, 0);
    const justBelowSix = Math.exp(logCalibratedTail(hist, 5.5));
    // Assess
    expect(atZero).toBe(0);
    expect(justBelowSix).toBeCloseTo(0.01, 6);
  });

  it('extrapolates past the most surprising point with a unit exponential, from half a count', () => {
    // Prepare
    const hist = new Array<number>(CALIBRATION_BINS).fill(0);
    for (let i = 0; i < 1000; i++) calibrationAdd(hist, 1, 8640);
    // Act
    const a = logCalibratedTail(hist, 20);
    const b = logCalibratedTail(hist, 30);
    // Assess
    expect(a).toBeLessThanOrEqual(Math.log(0.5 / 1000));
    expect(b - a).toBeCloseTo(-10, 9);
  });

  it('forgets: counts are halved when they reach the memory', () => {
    // Prepare
    const hist = new Array<number>(CALIBRATION_BINS).fill(0);
    // Act
    for (let i = 0; i < 100; i++) calibrationAdd(hist, 3, 100);
    // Assess
    expect(hist.reduce((t, c) => t + c, 0)).toBe(50);
  });

  it('an empty history trusts the test itself', () => {
    // Act / Assess
    expect(logCalibratedTail(new Array<number>(CALIBRATION_BINS).fill(0), 7)).toBe(-7);
  });
});

describe('score scale', () => {
  it('maps p = 1e-5 to 0.5 and orders by p', () => {
    // Act / Assess
    expect(scoreOfP(1e-5)).toBeCloseTo(0.5, 12);
    expect(scoreOfP(1)).toBe(0);
    expect(scoreOfP(1e-8)).toBeGreaterThan(scoreOfP(1e-5));
    expect(scoreOfP(1e-300)).toBeLessThan(1);
  });
});
