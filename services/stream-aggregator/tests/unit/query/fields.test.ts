import { describe, expect, it } from '@jest/globals';
import type { FieldRef } from '@streamlens/query';
import fc from 'fast-check';
import type { Observation } from '../../../src/domain/types.js';
import { groupKeyOf, groupOf } from '../../../src/query/fields.js';

const dims: FieldRef[] = [
  { kind: 'dimension', name: 'a' },
  { kind: 'dimension', name: 'b' },
];

function obs(a: string | undefined, b: string | undefined): Observation {
  const dimensions: Record<string, string> = {};
  if (a !== undefined) dimensions.a = a;
  if (b !== undefined) dimensions.b = b;
  return {
    series: 's',
    kind: 'telemetry',
    metric: 'm',
    dimensions,
    timeMs: 0,
    value: 1,
    idHash: 1,
  };
}

describe('groupKeyOf', () => {
  it('gives equal keys exactly for equal group values, whatever characters they hold', () => {
    const v = fc.option(
      fc.string({ unit: fc.constantFrom('a', ':', '1', '\u0001', '0'), maxLength: 4 }),
      { nil: undefined },
    );
    fc.assert(
      fc.property(v, v, v, v, (a1, b1, a2, b2) => {
        const x = obs(a1, b1);
        const y = obs(a2, b2);
        const sameValues = JSON.stringify(groupOf(x, dims)) === JSON.stringify(groupOf(y, dims));
        expect(groupKeyOf(x, dims) === groupKeyOf(y, dims)).toBe(sameValues);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads only own dimensions: __proto__ and constructor are ordinary names', () => {
    const o = obs(undefined, undefined);
    const f: FieldRef[] = [
      { kind: 'dimension', name: '__proto__' },
      { kind: 'dimension', name: 'constructor' },
    ];
    expect(groupOf(o, f)).toEqual(['', '']);
  });
});
