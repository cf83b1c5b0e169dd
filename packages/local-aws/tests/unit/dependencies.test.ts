import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';

// The stand-ins' dependency tree, from the workspace lockfile: packages with known high-severity
// advisories must not come back with an upgrade or a new stand-in.

const lockfile = readFileSync(new URL('../../../../pnpm-lock.yaml', import.meta.url), 'utf8');

/** Versions of `name` the lockfile resolves (its `packages:` keys, `name@version:`). */
function resolved(name: string): string[] {
  const escaped = name.replace(/[/.]/g, '\\$&');
  const keys = lockfile.matchAll(new RegExp(`^  '?${escaped}@(\\d+\\.\\d+\\.\\d+)[^:]*'?:`, 'gm'));
  return [...new Set([...keys].map((m) => m[1] as string))];
}

describe('stand-in dependencies', () => {
  it('resolve no dicer and no busboy before 1.0 (multipart parsers of s3rver 3.7 with a high-severity advisory)', () => {
    // Assess
    expect(resolved('dicer')).toEqual([]);
    expect(resolved('busboy').filter((v) => Number(v.split('.')[0]) < 1)).toEqual([]);
    expect(resolved('s3rver')).toEqual([]);
  });

  it('finds the packages it looks for (the lockfile format is understood)', () => {
    // Assess
    expect(resolved('@20minutes/s3rver')).toEqual(['4.0.4']);
    expect(resolved('busboy')).toEqual(['1.6.0']);
  });
});
