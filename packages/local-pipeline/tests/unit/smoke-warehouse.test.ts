import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { idLists } from '../../src/smoke/warehouse.js';

// The smoke run's ids go into `WHERE id IN (...)` statements of the Data API, which takes at most
// 100,000 characters of SQL per statement: every id lands in exactly one list, quoted, and no list
// outgrows the budget however many ids a run produced.

const unquote = (list: string): string[] =>
  list.length === 0
    ? []
    : (list.match(/'(?:[^']|'')*'/g) ?? []).map((l) => l.slice(1, -1).replace(/''/g, "'"));

describe('idLists', () => {
  it('puts a few ids in one list of quoted literals, a quote doubled', () => {
    // Act
    const lists = idLists(['a', "o'neil", 'b']);

    // Assess
    expect(lists).toEqual(["'a','o''neil','b'"]);
  });

  it('splits 10,000 UUID-sized ids into lists of at most 60,000 characters, each id once', () => {
    // Prepare
    const ids = Array.from({ length: 10_000 }, (_, i) => `${i}`.padStart(36, '0'));

    // Act
    const lists = idLists(ids);

    // Assess
    expect(lists.length).toBeGreaterThan(1);
    expect(Math.max(...lists.map((l) => l.length))).toBeLessThanOrEqual(60_000);
    expect(lists.flatMap(unquote)).toEqual(ids);
  });

  it('keeps every id, in order, within the budget, for any ids without backslash or control characters', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc
            .string({ minLength: 1, maxLength: 300 })
            .filter((s) => [...s].every((c) => c !== '\\' && c.charCodeAt(0) >= 0x20)),
          { maxLength: 600 },
        ),
        (ids) => {
          // Act
          const lists = idLists(ids);

          // Assess
          expect(lists.flatMap(unquote)).toEqual(ids);
          for (const list of lists) expect(list.length).toBeLessThanOrEqual(60_000);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses an id with a backslash rather than inlining it', () => {
    // Assess
    expect(() => idLists(['a\\b'])).toThrow(/not allowed in SQL/);
  });

  it('gives no list for no ids', () => {
    // Assess
    expect(idLists([])).toEqual([]);
  });
});
