import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { compiledQueryFileText, parseQueryFile } from '@streamlens/query';
import { CompiledQueryFileInvalid, parseCompiledQueryFile } from '@streamlens/query/runtime';

const dir = new URL('../../../queries/', import.meta.url);

describe('the packaged query files', () => {
  it('example.json is the compilation of example.yaml, and it loads as the function loads it', () => {
    // Prepare
    const yaml = parseQueryFile(readFileSync(new URL('example.yaml', dir), 'utf8'));
    const json = readFileSync(new URL('example.json', dir), 'utf8');
    // Act / Assess
    expect(JSON.parse(json)).toEqual(JSON.parse(compiledQueryFileText(yaml, 'example.yaml')));
    expect(parseCompiledQueryFile(json, 'example.json')).toEqual(JSON.parse(JSON.stringify(yaml)));
  });

  it('refuses a YAML query file or an incomplete compiled one, saying how to compile', () => {
    const yaml = readFileSync(new URL('example.yaml', dir), 'utf8');
    expect(() => parseCompiledQueryFile(yaml, 'example.yaml')).toThrow(CompiledQueryFileInvalid);
    expect(() => parseCompiledQueryFile(yaml, 'example.yaml')).toThrow(/pnpm queries compile/);
    const broken = JSON.stringify({
      format: 'streamlens-query-file-compiled',
      version: 1,
      queries: [{ name: 'q', groupBy: [] }],
    });
    expect(() => parseCompiledQueryFile(broken, 'q.json')).toThrow(/query 0 is incomplete/);
  });
});
