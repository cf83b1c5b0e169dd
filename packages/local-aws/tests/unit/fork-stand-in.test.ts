import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { StandInStartError } from '../../src/errors.js';
import { forkStandIn } from '../../src/internal/child.js';

const dir = mkdtempSync(join(tmpdir(), 'fork-stand-in-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a child script and returns its path. */
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

describe('forkStandIn', () => {
  it('resolves with the port the child reports and stops it', async () => {
    // Prepare
    const path = script(
      'ready.cjs',
      "process.send({ type: 'ready', port: 4321 }); setInterval(() => {}, 1000);",
    );
    // Act
    const forked = await forkStandIn({ service: 'kinesis', engine: 'test', script: path });
    // Assess
    expect(forked.endpoint).toBe('http://127.0.0.1:4321');
    await forked.stop();
    expect(forked.child.exitCode !== null || forked.child.signalCode !== null).toBe(true);
  });

  it('rejects with the end of stderr when the child exits before it is ready', async () => {
    // Prepare
    const path = script('exits.cjs', "process.stderr.write('port in use\\n'); process.exit(3);");
    const lines: string[] = [];
    // Act
    const outcome = await forkStandIn({
      service: 's3',
      engine: 's3rver',
      script: path,
      log: (line) => lines.push(line),
    }).catch((error: unknown) => error);
    // Assess
    expect(outcome).toBeInstanceOf(StandInStartError);
    expect((outcome as Error).message).toMatch(/s3rver exited \(3\): port in use/);
    expect(lines).toEqual(['port in use']);
  });

  it('rejects with the message of the error report of the child', async () => {
    // Prepare
    const path = script(
      'error.cjs',
      "process.send({ type: 'error', message: 'boom' }); setInterval(() => {}, 1000);",
    );
    // Act
    const outcome = await forkStandIn({
      service: 'opensearch',
      engine: 'child',
      script: path,
    }).catch((error: unknown) => error);
    // Assess
    expect(outcome).toBeInstanceOf(StandInStartError);
    expect((outcome as Error).message).toMatch(/child failed: boom/);
  });
});
