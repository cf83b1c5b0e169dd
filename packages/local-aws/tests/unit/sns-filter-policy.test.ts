import { describe, expect, it } from '@jest/globals';
import {
  FilterPolicyError,
  matchesFilterPolicy,
  parseFilterPolicy,
  type SnsMessageAttribute,
} from '../../src/sns/filter-policy.js';

const s = (v: string): SnsMessageAttribute => ({ DataType: 'String', StringValue: v });
const n = (v: number): SnsMessageAttribute => ({ DataType: 'Number', StringValue: String(v) });
const match = (policy: object, attrs: Record<string, SnsMessageAttribute>) =>
  matchesFilterPolicy(parseFilterPolicy(JSON.stringify(policy)), attrs);

describe('SNS filter policies (MessageAttributes scope)', () => {
  it('matches exact strings, OR within a key and AND across keys', () => {
    // Prepare
    const policy = { severity: ['high', 'critical'], metric: ['cpu'] };
    // Act / Assess
    expect(match(policy, { severity: s('high'), metric: s('cpu') })).toBe(true);
    expect(match(policy, { severity: s('low'), metric: s('cpu') })).toBe(false);
    expect(match(policy, { severity: s('critical') })).toBe(false);
  });

  it('evaluates numeric ranges, prefix, suffix, anything-but and exists', () => {
    // Act / Assess
    expect(match({ score: [{ numeric: ['>=', 0.9, '<', 1] }] }, { score: n(0.95) })).toBe(true);
    expect(match({ score: [{ numeric: ['>=', 0.9, '<', 1] }] }, { score: n(1) })).toBe(false);
    expect(match({ score: [{ numeric: ['>=', 0.9] }] }, { score: s('0.95') })).toBe(false);
    expect(match({ metric: [{ prefix: 'log.' }] }, { metric: s('log.count') })).toBe(true);
    expect(match({ metric: [{ suffix: '.count' }] }, { metric: s('cpu.util') })).toBe(false);
    expect(
      match({ severity: [{ 'anything-but': ['low', 'medium'] }] }, { severity: s('high') }),
    ).toBe(true);
    expect(match({ severity: [{ 'anything-but': 'low' }] }, { severity: s('low') })).toBe(false);
    expect(match({ severity: [{ 'anything-but': 'low' }] }, {})).toBe(false);
    expect(
      match({ service: [{ 'anything-but': { prefix: 'test-' } }] }, { service: s('checkout') }),
    ).toBe(true);
    expect(match({ service: [{ exists: true }] }, { service: s('x') })).toBe(true);
    expect(match({ service: [{ exists: false }] }, {})).toBe(true);
    expect(match({ service: [{ exists: false }] }, { service: s('x') })).toBe(false);
    expect(
      match({ tag: ['a'] }, { tag: { DataType: 'String.Array', StringValue: '["b","a"]' } }),
    ).toBe(true);
  });

  it('rejects more than 5 keys, unknown operators and malformed JSON', () => {
    // Act / Assess
    expect(() =>
      parseFilterPolicy(
        JSON.stringify({ a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] }),
      ),
    ).toThrow(FilterPolicyError);
    expect(() => parseFilterPolicy(JSON.stringify({ a: [{ regex: '.*' }] }))).toThrow(
      /unrecognized operator/,
    );
    expect(() => parseFilterPolicy(JSON.stringify({ a: [{ numeric: ['>', 'x'] }] }))).toThrow(
      FilterPolicyError,
    );
    expect(() => parseFilterPolicy('{"a":')).toThrow(FilterPolicyError);
    expect(() => parseFilterPolicy(JSON.stringify({ a: 'x' }))).toThrow(FilterPolicyError);
  });
});
