import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';

// Every Lambda imports the root entry; zod (~100 KiB minified, tens of ms of cold start) must not
// come with it, however the entry is bundled (tree shaking or not, dynamic imports included).
const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

async function inputsOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(src, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    treeShaking: false,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('the runtime entry', () => {
  it('bundles without zod, even without tree shaking', async () => {
    // Act
    const inputs = await inputsOf('index.ts');
    // Assess
    expect(inputs.some((f) => f.endsWith('validate.ts'))).toBe(true);
    expect(inputs.filter((f) => /[\\/]zod[\\/]/.test(f))).toEqual([]);
  });

  it('while the zod entry does bundle zod (the check can see it)', async () => {
    // Act
    const inputs = await inputsOf('zod.ts');
    // Assess
    expect(inputs.filter((f) => /[\\/]zod[\\/]/.test(f)).length).toBeGreaterThan(10);
  });
});
