import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decideLoad } from '../../src/ledger.js';
import {
  DEFAULT_TABLES,
  failureStatements,
  loadStatements,
  sqlString,
  tableName,
} from '../../src/sql.js';

describe('decideLoad', () => {
  it('loads an object the ledger has never seen as attempt 1', () => {
    expect(decideLoad(undefined)).toEqual({ action: 'load', attempt: 1 });
  });

  it('never loads a loaded object again', () => {
    expect(decideLoad({ status: 'loaded', attempts: 2, statementId: 's1' })).toEqual({
      action: 'skip',
      reason: 'already-loaded',
      statementId: 's1',
    });
  });

  it('retries a failed object as the next attempt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), (attempts) => {
        expect(decideLoad({ status: 'failed', attempts })).toEqual({
          action: 'load',
          attempt: attempts + 1,
        });
      }),
    );
  });
});

describe('load SQL', () => {
  const object = {
    bucket: 'lake',
    key: "events/type=app.log/dt=2026-11-25/hour=10/o'k.gz",
    etag: 'e1',
  };

  it('runs lock, staging COPY, de-duplicating insert and ledger row in one batch', () => {
    // Act
    const sqls = loadStatements({
      object,
      target: 'events',
      attempt: 3,
      copyRoleArn: 'arn:aws:iam::1:role/copy',
      tables: DEFAULT_TABLES,
      gzip: true,
    });
    // Assess
    expect(sqls[0]).toBe('LOCK streamlens_loads');
    expect(sqls[1]).toMatch(/^CREATE TEMP TABLE stg_[0-9a-f]{16} \(/);
    expect(sqls[2]).toMatch(
      /^COPY stg_[0-9a-f]{16} FROM 's3:\/\/lake\/events\/type=app\.log\/dt=2026-11-25\/hour=10\/o''k\.gz' IAM_ROLE 'arn:aws:iam::1:role\/copy' FORMAT AS JSON 'auto' GZIP$/,
    );
    expect(sqls[3]).toMatch(/NOT EXISTS \(SELECT 1 FROM events t WHERE t\.id = s\.id\)/);
    expect(sqls[5]).toMatch(/'loaded', 3,/);
    expect(sqls.at(-1)).toMatch(/^DROP TABLE stg_/);
  });

  it('keys windows by series, window start and revision and reads plain NDJSON', () => {
    const sqls = loadStatements({
      object: { ...object, key: 'aggregates/dt=2026-11-25/x.ndjson' },
      target: 'windows',
      attempt: 1,
      copyRoleArn: 'r',
      tables: DEFAULT_TABLES,
      gzip: false,
    });
    expect(sqls[2]).not.toMatch(/GZIP/);
    expect(sqls[3]).toMatch(
      /t\.series = s\.series AND t\.window_start = s\.window_start AND t\.revision = s\.revision/,
    );
  });

  it('records failures without clobbering a loaded row and strips control characters', () => {
    const sqls = failureStatements(object, 'events', 2, 'sid', "bad\n'line'", DEFAULT_TABLES);
    expect(sqls[1]).toMatch(/status <> 'loaded'/);
    expect(sqls[2]).toContain("'bad ''line'''");
  });

  it('refuses values and table names that could break out of SQL', () => {
    expect(() => sqlString('a\\b')).toThrow(/not allowed/);
    expect(sqlString("it's")).toBe("'it''s'");
    expect(() => tableName('events; DROP TABLE x')).toThrow(/invalid table name/);
    expect(tableName('analytics.events')).toBe('analytics.events');
  });
});
