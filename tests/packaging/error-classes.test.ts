import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { StreamlensError } from '../../packages/lambda-kit/src/errors.js';

// CONTRIBUTING.md, "Errors": every error class a service exports extends lambda-kit's
// StreamlensError, so one `instanceof` tells the project's errors from anything else.

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every `errors.ts` under a service's `src/`. */
function errorModules(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'errors.ts') out.push(path);
    }
  };
  for (const service of readdirSync(join(root, 'services'))) {
    const src = join(root, 'services', service, 'src');
    if (existsSync(src)) walk(src);
  }
  return out;
}

const modules = errorModules().map((path) => [relative(root, path), path] as const);

describe('service error classes', () => {
  it('finds an errors.ts in the services', () => {
    expect(modules.length).toBeGreaterThanOrEqual(6);
  });

  it.each(modules)(
    '%s: every exported error class extends StreamlensError',
    async (_name, path) => {
      // Act
      const exported = Object.entries((await import(path)) as Record<string, unknown>).filter(
        ([, value]) => typeof value === 'function' && value.prototype instanceof Error,
      );
      // Assess
      expect(exported.length).toBeGreaterThan(0);
      const outside = exported
        .filter(
          ([, value]) => !((value as { prototype: object }).prototype instanceof StreamlensError),
        )
        .map(([key]) => key);
      expect(outside).toEqual([]);
    },
  );
});
