import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';

const probe = fileURLToPath(new URL('../helpers/shape-probe.ts', import.meta.url));

type Probe = { before: Record<string, boolean>; after: Record<string, boolean> };

/** Runs the probe in a fresh node with V8 natives and an exposed gc (see the probe's doc). */
async function run(anchor: boolean): Promise<Probe> {
  const args = ['--allow-natives-syntax', '--expose-gc', '--import', 'tsx', probe];
  if (anchor) args.push('--anchor');
  const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8' });
  return JSON.parse(stdout) as Probe;
}

describe('shape anchors', () => {
  it('keep the hot path optimised across a full GC while the engine and decoder live', async () => {
    // Act
    const [bare, anchored] = await Promise.all([run(false), run(true)]);
    // Assess: the control shows what V8 does without anchors; the engine's anchors prevent it.
    const all = (v: boolean) => ({ partial: v, decoder: v });
    expect(bare).toEqual({ before: all(true), after: all(false) });
    expect(anchored).toEqual({ before: all(true), after: all(true) });
  }, 60_000);
});
