import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { main } from '../../src/cli.js';
import { parseCompiledQueryFile, parseQueryFile } from '../../src/index.js';

function run(args: string[]) {
  const err: string[] = [];
  const out: string[] = [];
  jest.spyOn(process.stderr, 'write').mockImplementation((s) => err.push(String(s)) > 0);
  jest.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
  const code = main(args);
  return { code, err: err.join(''), out: out.join('') };
}

describe('pnpm kda translate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kda-'));
  const app = join(dir, 'app.sql');
  writeFileSync(
    app,
    `CREATE OR REPLACE PUMP p AS INSERT INTO o
       SELECT STREAM COUNT(*) FROM s GROUP BY STEP(ROWTIME BY INTERVAL '30' SECOND);
     SELECT STREAM x FROM s;\n`,
  );

  it('writes the query file, reports what it could not translate with file:line, exits 2', () => {
    const out = join(dir, 'queries.yaml');
    const r = run(['translate', app, '--out', out]);
    expect(r.code).toBe(2);
    expect(parseQueryFile(readFileSync(out, 'utf8')).queries.map((q) => q.name)).toEqual(['p']);
    expect(r.err).toContain(`${app}:3: not translated: SELECT STREAM: a SELECT without aggregates`);
    expect(r.err).toContain('1 query written, 1 statement(s) not translated');
  });

  it('exits 0 with the file on stdout when everything translated, 1 on bad usage', () => {
    const ok = join(dir, 'ok.sql');
    writeFileSync(ok, `SELECT STREAM COUNT(*) FROM s GROUP BY FLOOR(ROWTIME TO MINUTE);`);
    const r = run(['translate', ok, '--detector-window', '5m']);
    expect(r.code).toBe(0);
    expect(parseQueryFile(r.out).queries).toHaveLength(1);
    expect(run(['translate']).code).toBe(1);
    expect(run(['translate', ok, '--detector-window', '5 minutes']).code).toBe(1);
    expect(run(['translate', join(dir, 'missing.sql')]).code).toBe(1);
  });
});

describe('pnpm queries compile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'queries-'));

  it('writes the compiled file the aggregator loads, or exits 1 with every problem by line', () => {
    // Prepare
    const good = join(dir, 'q.yaml');
    writeFileSync(
      good,
      'version: 1\nqueries:\n  - name: per-host\n    groupBy: [dimensions.host]\n    window: { kind: session, gap: 30s }\n    aggregates: [{ fn: count }]\n',
    );
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nqueries:\n  - name: x\n    window: { kind: hopping }\n');
    // Act
    const ok = run(['compile', good, '--out', join(dir, 'q.json')]);
    const failed = run(['compile', bad]);
    // Assess
    expect(ok.code).toBe(0);
    expect(parseCompiledQueryFile(readFileSync(join(dir, 'q.json'), 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(parseQueryFile(readFileSync(good, 'utf8')))),
    );
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/line 4:/);
    expect(failed.out).toBe('');
  });
});
