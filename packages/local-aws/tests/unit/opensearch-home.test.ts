import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { StandInStartError } from '../../src/errors.js';
import { openSearchHome } from '../../src/opensearch/node.js';

const dir = mkdtempSync(join(tmpdir(), 'opensearch-home-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openSearchHome with STREAMLENS_OPENSEARCH_HOME', () => {
  it('uses an assembled home as it is', async () => {
    // Prepare
    const home = join(dir, 'assembled');
    mkdirSync(home);
    writeFileSync(join(home, '.assembled'), 'abc\n');
    // Act
    const found = await openSearchHome({ STREAMLENS_OPENSEARCH_HOME: home });
    // Assess
    expect(found).toBe(home);
  });

  it('refuses a folder that assemble.sh did not build, naming it', async () => {
    // Prepare
    const home = join(dir, 'empty');
    mkdirSync(home);
    // Act
    const outcome = openSearchHome({ STREAMLENS_OPENSEARCH_HOME: home });
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(StandInStartError);
    await expect(outcome).rejects.toThrow(`STREAMLENS_OPENSEARCH_HOME=${home} is not an assembled`);
  });
});
