import { describe, expect, it } from '@jest/globals';
import { matchesFilter, parseArgs } from '../../src/cli.js';
import {
  environmentFromServerlessYml,
  esbuildOptionsFromYml,
  resolveServerlessValue,
} from '../../src/coldstart/coldstart.js';
import { defineBench, isBenchSuite } from '../../src/define.js';
import { suitesOf } from '../../src/runner.js';

describe('parseArgs', () => {
  it('reads --quick, --filter and --json in both spellings', () => {
    // Act
    const a = parseArgs(['--quick', '--filter', 'kpl', '--json', 'out.json']);
    const b = parseArgs(['--filter=firehose', '--json=x.json', '--no-coldstart']);
    // Assess
    expect(a).toMatchObject({ quick: true, filter: 'kpl', json: 'out.json', coldstart: true });
    expect(b).toMatchObject({ quick: false, filter: 'firehose', json: 'x.json', coldstart: false });
  });

  it('rejects unknown arguments and missing values', () => {
    // Assess
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument --fast/);
    expect(() => parseArgs(['--filter'])).toThrow(/needs a value/);
  });

  it('matches filters case-insensitively against any name', () => {
    // Assess
    expect(matchesFilter('KPL', 'kpl-100k-aggregate')).toBe(true);
    expect(matchesFilter('zod', 'firehose-1mib', 'floor')).toBe(false);
    expect(matchesFilter(undefined, 'anything')).toBe(true);
  });
});

describe('defineBench and discovery', () => {
  it('resolves a shared workload by name and is found among module exports', () => {
    // Prepare
    const suite = defineBench({
      workload: 'firehose-1mib',
      name: 'x',
      kind: 'streamlens',
      run: (data) => data.event.records.length,
    });
    // Act
    const found = suitesOf({ one: suite, many: [suite, 42], other: 'no' });
    // Assess
    expect(suite.workload.name).toBe('firehose-1mib');
    expect(isBenchSuite(suite)).toBe(true);
    expect(isBenchSuite({ name: 'x' })).toBe(false);
    expect(found).toHaveLength(2);
  });
});

describe('environmentFromServerlessYml', () => {
  it('reads environment blocks and resolves parameter defaults', () => {
    // Prepare
    const yml = [
      'provider:',
      '  environment:',
      '    NODE_OPTIONS: --enable-source-maps',
      'functions:',
      '  transform:',
      '    handler: src/handler.handler',
      '    environment:',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax, not a template.
      "      STREAM_ARN: ${param:eventsStreamArn, 'arn:aws:kinesis:${aws:region}:000000000000:stream/streamlens-${sls:stage}-events'}",
      "      MAX_RECORD_BYTES: '8192'",
      '    timeout: 60',
    ].join('\n');
    // Act
    const env = environmentFromServerlessYml(yml);
    // Assess
    expect(env).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      STREAM_ARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/streamlens-dev-events',
      MAX_RECORD_BYTES: '8192',
    });
  });
});

describe('resolveServerlessValue', () => {
  it('resolves custom entries, nested defaults, numbers and references; gives up on files', () => {
    // Prepare
    const custom = {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
      name: "${param:aggregatesStreamName, 'streamlens-${sls:stage}-aggregates'}",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
      batch: '${param:batchSize, 1000}',
    };
    // Act
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
    const name = resolveServerlessValue('${self:custom.name}', custom);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
    const batch = resolveServerlessValue('${self:custom.batch}', custom);
    const ref = resolveServerlessValue('!Ref StateTable', custom);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
    const file = resolveServerlessValue('${file(../x.yml):y}', custom);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
    const missing = resolveServerlessValue('${self:custom.nope}', custom);
    // Assess
    expect([name, batch, ref, file, missing]).toEqual([
      'streamlens-dev-aggregates',
      '1000',
      'StateTable',
      undefined,
      undefined,
    ]);
  });
});

describe('esbuildOptionsFromYml', () => {
  it('reads the options that change the bundle from the esbuild block', () => {
    // Prepare
    const yml = [
      'runtime: nodejs22.x',
      'esbuild:',
      '  bundle: true',
      '  minify: true',
      '  sourcemap: external',
      '  # a comment',
      '  target: node20',
      '  platform: node',
      '  format: cjs',
      '  mainFields: [module, main]',
      '  packager: pnpm',
      'deploymentBucket:',
      '  minify: false',
    ].join('\n');
    // Act
    const options = esbuildOptionsFromYml(yml);
    // Assess
    expect(options).toEqual({
      minify: true,
      sourcemap: 'external',
      target: 'node20',
      platform: 'node',
      format: 'cjs',
      mainFields: ['module', 'main'],
    });
  });
});
