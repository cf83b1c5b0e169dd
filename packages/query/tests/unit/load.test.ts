import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  defaultQueryFileText,
  parseQueryFile,
  type QueryFileError,
  QueryFileInvalid,
} from '../../src/index.js';

function errorsOf(text: string): QueryFileError[] {
  try {
    parseQueryFile(text);
  } catch (error) {
    if (error instanceof QueryFileInvalid) return error.errors;
    throw error;
  }
  throw new Error('expected the file to be rejected');
}

const FULL = `version: 1
queries:
  - name: hot-hosts
    source:
      type: [telemetry]
      metric: "cpu.*"
      where:
        - { field: dimensions.region, op: in, value: [eu-west-1, eu-central-1] }
        - { field: value, op: ge, value: 0 }
    groupBy: [dimensions.region]
    window: { kind: sliding, size: 5m, slide: 1m }
    aggregates:
      - { fn: count }
      - { fn: avg }
      - { fn: quantile, q: 0.95 }
      - { fn: distinct, field: dimensions.host, as: hosts }
      - { fn: topk, field: dimensions.host, k: 3 }
    having:
      - { aggregate: p95, op: gt, value: 80 }
  - name: sessions
    groupBy: []
    window: { kind: session, gap: 30s }
    aggregates: [{ fn: count }]
`;

describe('parseQueryFile', () => {
  it('builds every part of a query: source, grouping, window, aggregates, having', () => {
    const file = parseQueryFile(FULL);
    const [q, s] = file.queries;
    expect(q).toEqual({
      name: 'hot-hosts',
      source: {
        types: ['telemetry'],
        metric: 'cpu.*',
        where: [
          {
            field: { kind: 'dimension', name: 'region' },
            op: 'in',
            values: ['eu-west-1', 'eu-central-1'],
          },
          { field: { kind: 'value' }, op: 'ge', value: 0 },
        ],
      },
      groupBy: [{ kind: 'dimension', name: 'region' }],
      window: { kind: 'sliding', sizeMs: 300_000, slideMs: 60_000 },
      aggregates: [
        { fn: 'count', as: 'count' },
        { fn: 'avg', as: 'mean' },
        { fn: 'quantile', q: 0.95, as: 'p95' },
        { fn: 'distinct', field: { kind: 'dimension', name: 'host' }, as: 'hosts' },
        { fn: 'topk', field: { kind: 'dimension', name: 'host' }, k: 3, as: 'top_host' },
      ],
      having: [{ aggregate: 'p95', op: 'gt', value: 80 }],
    });
    expect(s!.groupBy).toEqual([]);
    expect(s!.window).toEqual({ kind: 'session', gapMs: 30_000 });
  });

  it('groups per series when groupBy is absent, as the aggregator always did', () => {
    const text =
      'version: 1\nqueries:\n  - name: a\n    window: { kind: tumbling, size: 1m }\n    aggregates: [{ fn: count }]\n';
    expect(parseQueryFile(text).queries[0]!.groupBy).toEqual([{ kind: 'series' }]);
  });

  it('the default query file is today’s per-series 1-minute windows and statistics', () => {
    const [q] = parseQueryFile(defaultQueryFileText(60_000)).queries;
    expect(q!.groupBy).toEqual([{ kind: 'series' }]);
    expect(q!.window).toEqual({ kind: 'tumbling', sizeMs: 60_000 });
    expect(q!.aggregates.map((a) => a.as)).toEqual([
      'count',
      'sum',
      'min',
      'max',
      'mean',
      'p50',
      'p90',
      'p99',
    ]);
  });

  it('names the line of a schema error', () => {
    const text = FULL.replace('slide: 1m', 'slide: 1 minute');
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBe(11);
    expect(errors[0]!.path).toBe('/queries/0/window');
    expect(errors[0]!.message).toMatch(/kind: sliding, size, slide/);
  });

  it('points at an unknown field itself', () => {
    const errors = errorsOf(FULL.replace('    groupBy: []', '    groupBy: []\n    windw: 5'));
    expect(errors).toEqual([
      expect.objectContaining({ line: 22, path: '/queries/1', message: 'unknown field "windw"' }),
    ]);
  });

  it('refuses output names an object gives a meaning to (the window event would refuse them)', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const errors = errorsOf(FULL.replace('as: hosts', `as: ${name}`));
      expect(errors).toEqual([
        expect.objectContaining({ path: expect.stringMatching(/^\/queries\/0\/aggregates\/3/) }),
      ]);
    }
    expect(() => parseQueryFile(FULL.replace('as: hosts', 'as: proto_hosts'))).not.toThrow();
  });

  it('names the line of a YAML syntax error', () => {
    const errors = errorsOf('version: 1\nqueries:\n  - name: a\n    window: { kind: tumbling\n');
    expect(errors[0]!.line).toBeGreaterThanOrEqual(4);
  });

  it('reports what the schema cannot: duplicate names, unknown HAVING aggregate, slide > size', () => {
    const text = `version: 1
queries:
  - name: a
    window: { kind: sliding, size: 1m, slide: 2m }
    aggregates: [{ fn: count }, { fn: count }]
    having: [{ aggregate: p99, op: gt, value: 1 }]
  - name: a
    window: { kind: tumbling, size: 1m }
    aggregates: [{ fn: quantile }]
`;
    const errors = errorsOf(text);
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [4, 'slide must not exceed size'],
      [5, 'duplicate output name "count" (set "as")'],
      [6, 'no aggregate named "p99" (have: count)'],
      [7, 'duplicate query name "a"'],
      [9, '"quantile" needs "q"'],
    ]);
  });

  it('refuses YAML aliases (no expansion blow-up)', () => {
    const text =
      'version: 1\nqueries:\n  - &q { name: a, window: { kind: tumbling, size: 1m }, aggregates: [{ fn: count }] }\n  - *q\n';
    expect(errorsOf(text)[0]!.message).toMatch(/alias/i);
  });

  it('rejects any text with QueryFileInvalid or accepts it, never another error', () => {
    const pieces = fc.constantFrom(
      'version: 1\n',
      'queries:\n',
      '  - name: a\n',
      '    window: { kind: session, gap: 1s }\n',
      '    aggregates: [{ fn: topk, field: value, k: 2 }]\n',
      '    groupBy: [__proto__]\n',
      '    __proto__: { polluted: true }\n',
      '[[[[[[[[[[\n',
      ': :\n',
      '\t',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 12 }), (parts) => {
        try {
          parseQueryFile(parts.join(''));
        } catch (error) {
          expect(error).toBeInstanceOf(QueryFileInvalid);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
