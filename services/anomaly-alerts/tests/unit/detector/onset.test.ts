import { describe, expect, it } from '@jest/globals';
import { newOnsetFilter, onsetScore } from '../../../src/detector/onset.js';

function filter(scores: readonly number[], span: number): number[] {
  const f = newOnsetFilter();
  return scores.map((s) => onsetScore(f, s, span));
}

describe('onset filter', () => {
  it('reports an anomaly once: weaker repeats within the span are 0', () => {
    // Act
    const out = filter([0.1, 0.9, 0.7, 0.8, 0.2], 10);
    // Assess
    expect(out).toEqual([0.1, 0.9, 0, 0, 0]);
  });

  it('reports stronger evidence within the span', () => {
    // Act
    const out = filter([0.6, 0.5, 0.95, 0.9], 10);
    // Assess
    expect(out).toEqual([0.6, 0, 0.95, 0]);
  });

  it('forgets the peak after the span, so a later anomaly is reported', () => {
    // Act
    const out = filter([0.9, 0, 0, 0.7, 0.7], 2);
    // Assess
    expect(out).toEqual([0.9, 0, 0, 0.7, 0]);
  });
});
