import { describe, expect, it } from '@jest/globals';
import {
  bindNamedParameters,
  NON_S3_COPY_ERROR,
  parseCopy,
  parseJsonAutoRows,
  planStatement,
  stripPhysicalDesign,
  TranslationError,
  translateTypesAndFunctions,
} from '../../src/redshift-data/translate.js';

describe('Redshift SQL translation', () => {
  it('strips DISTKEY, SORTKEY, DISTSTYLE and ENCODE clauses', () => {
    // Prepare
    const ddl = `CREATE TABLE t (id VARCHAR(64) NOT NULL ENCODE zstd DISTKEY, at TIMESTAMP ENCODE az64)
      DISTSTYLE KEY COMPOUND SORTKEY (at, id)`;
    // Act
    const out = stripPhysicalDesign(ddl);
    // Assess
    expect(out).not.toMatch(/distkey|sortkey|diststyle|encode/i);
    expect(out).toContain('id VARCHAR(64) NOT NULL');
    expect(out).toContain('at TIMESTAMP');
  });

  it('strips table-level DISTKEY(col) SORTKEY(col) and leaves string literals alone', () => {
    const out = stripPhysicalDesign(
      `CREATE TABLE t (a int) DISTKEY(a) SORTKEY(a); SELECT 'sortkey(a)'`,
    );
    expect(out).toMatch(/CREATE TABLE t \(a int\)\s*;/);
    expect(out).toContain("'sortkey(a)'");
  });

  it('maps SUPER to jsonb and GETDATE() to now()', () => {
    expect(
      translateTypesAndFunctions('CREATE TABLE t (d SUPER, at TIMESTAMP DEFAULT GETDATE())'),
    ).toBe('CREATE TABLE t (d jsonb, at TIMESTAMP DEFAULT now())');
    expect(translateTypesAndFunctions(`SELECT 'super', "getdate()"`)).toBe(
      `SELECT 'super', "getdate()"`,
    );
  });

  it('binds :named parameters to $n and keeps ::casts', () => {
    const out = bindNamedParameters("SELECT :a::int, :b, :a, 'x:c' WHERE y = :b");
    expect(out.sql).toBe("SELECT $1::int, $2, $1, 'x:c' WHERE y = $2");
    expect(out.parameterNames).toEqual(['a', 'b']);
  });

  it('parses COPY FROM s3 with JSON auto and GZIP', () => {
    const plan = parseCopy(
      "COPY staging.events_x FROM 's3://lake/events/type=a/dt=2026-01-01/hour=00/f.gz' IAM_ROLE 'arn:aws:iam::1:role/r' FORMAT AS JSON 'auto' GZIP TIMEFORMAT 'auto';",
    );
    expect(plan).toEqual({
      kind: 'copy',
      table: 'staging.events_x',
      bucket: 'lake',
      key: 'events/type=a/dt=2026-01-01/hour=00/f.gz',
      gzip: true,
      format: 'json-auto',
    });
  });

  it('rejects COPY without authorization or with an unsupported format', () => {
    expect(() => parseCopy("COPY t FROM 's3://b/k' FORMAT AS JSON 'auto'")).toThrow(
      TranslationError,
    );
    expect(() => parseCopy("COPY t FROM 's3://b/k' IAM_ROLE 'r' FORMAT AS CSV")).toThrow(
      /JSON 'auto'/,
    );
  });

  it('plans plain SQL as PostgreSQL', () => {
    expect(planStatement('SELECT GETDATE()')).toEqual({
      kind: 'sql',
      sql: 'SELECT now()',
      parameterNames: [],
    });
  });

  it('reads NDJSON rows with keys as they are (JSON auto is case-sensitive) and a readable error for bad lines', () => {
    expect(parseJsonAutoRows('{"ID":"a","Data":{"x":1}}\n\n{"id":"b"}\n', 's3://b/k')).toEqual([
      { ID: 'a', Data: { x: 1 } },
      { id: 'b' },
    ]);
    expect(() => parseJsonAutoRows('{"id":"a"}\n{oops\n', 's3://b/k')).toThrow(
      /Load from 's3:\/\/b\/k' failed: invalid JSON on line 2/,
    );
    expect(() => parseJsonAutoRows('[1]\n', 's3://b/k')).toThrow(/line 1 is not a JSON object/);
  });

  it("lower-cases keys for JSON 'auto ignorecase' only, keeping __proto__ a plain key", () => {
    // Act
    const rows = parseJsonAutoRows('{"ID":"a","__proto__":{"polluted":1}}\n', 's3://b/k', true);
    // Assess
    expect(rows).toEqual([
      Object.assign(Object.create(null), { id: 'a', ['__proto__']: { polluted: 1 } }),
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(
      parseCopy("COPY t FROM 's3://b/k' IAM_ROLE 'r' FORMAT AS JSON 'auto ignorecase'"),
    ).toMatchObject({
      format: 'json-auto-ignorecase',
    });
  });

  it('refuses COPY from anything but S3 with the error Redshift gives, comments or not', () => {
    for (const sql of [
      "COPY t FROM '/etc/passwd'",
      "copy t from program 'id'",
      "/* load */ COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'",
      "-- note\n  COPY t TO '/tmp/out.csv'",
      'COPY t FROM STDIN',
    ]) {
      expect(() => planStatement(sql)).toThrow(NON_S3_COPY_ERROR);
    }
    expect(() => planStatement("COPY t FROM 's3://b/k' IAM_ROLE 'r' FORMAT AS CSV")).toThrow(
      /JSON 'auto'/,
    );
    expect(planStatement("SELECT 'COPY t FROM x'")).toMatchObject({ kind: 'sql' });
  });
});
