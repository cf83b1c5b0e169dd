import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';
import {
  environmentFromServerlessYml,
  esbuildOptionsFromYml,
  spawnOnce,
} from '../../src/coldstart/coldstart.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The SDK's default credential chain, with the clients it brings (STS, SSO, SSO-OIDC, sign-in). */
const CREDENTIAL_CHAIN =
  /@aws-sdk[\\/+](credential-provider-(node|ini|sso|web-identity|process|http|login)|nested-clients|token-providers)|@smithy[\\/+]credential-provider-imds/;

describe('esbuildOptionsFromYml', () => {
  it('reads a map of aliases (quoted keys) and stops at the next key', () => {
    // Prepare
    const yml = [
      'esbuild:',
      '  minify: true',
      '  alias:',
      "    '@aws-sdk/credential-provider-node': '@streamlens/lambda-kit/aws-credentials'",
      '    "other": ./x.js',
      '  keepNames: true',
      'deploymentBucket:',
      '  blockPublicAccess: true',
    ].join('\n');
    // Act
    const options = esbuildOptionsFromYml(yml);
    // Assess
    expect(options).toEqual({
      minify: true,
      keepNames: true,
      alias: {
        '@aws-sdk/credential-provider-node': '@streamlens/lambda-kit/aws-credentials',
        other: './x.js',
      },
    });
  });
});

describe('esbuildOptionsFromYml, define', () => {
  it('turns a JS string literal around a Serverless variable into the literal of its default', () => {
    // Prepare
    const yml = [
      'esbuild:',
      '  define:',
      `    process.env.STREAMLENS_TRACER: '"\${param:tracer, ''false''}"'`,
      '    process.env.PLAIN: "1"',
      '  minify: true',
    ].join('\n');
    // Act
    const options = esbuildOptionsFromYml(yml);
    // Assess
    expect(options).toEqual({
      minify: true,
      define: { 'process.env.STREAMLENS_TRACER': '"false"', 'process.env.PLAIN': '1' },
    });
  });
});

describe('environmentFromServerlessYml', () => {
  it('selects from a custom map by a nested variable and follows bare fallback references', () => {
    // Prepare
    const yml = [
      'custom:',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
      "  createDomain: ${param:createDomain, 'false'}",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
      "  endpoint: ${param:endpoint, 'https://search-x-${sls:stage}.${aws:region}.es.amazonaws.com'}",
      '  endpointFor:',
      '    "true": !GetAtt Domain.DomainEndpoint',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
      '    "false": ${self:custom.endpoint}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
      "  lake: ${param:lakeBucketName, 'streamlens-${sls:stage}-lake'}",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
      '  deadLetter: ${param:deadLetterBucketName, self:custom.lake}',
      'functions:',
      '  index:',
      '    environment:',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
      '      ENDPOINT: ${self:custom.endpointFor.${self:custom.createDomain}}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless variable syntax.
      '      DEAD_LETTER_BUCKET: ${self:custom.deadLetter}',
    ].join('\n');
    // Act
    const env = environmentFromServerlessYml(yml);
    // Assess
    expect(env).toEqual({
      ENDPOINT: 'https://search-x-dev.us-east-1.es.amazonaws.com',
      DEAD_LETTER_BUCKET: 'streamlens-dev-lake',
    });
  });
});

describe('the deployed esbuild options (config/serverless-common.yml)', () => {
  const options = esbuildOptionsFromYml(
    readFileSync(join(root, 'config', 'serverless-common.yml'), 'utf8'),
  );

  it("replace the SDK's default credential chain with lambda-kit's environment provider", () => {
    // Assess
    expect(options.alias).toEqual({
      '@aws-sdk/credential-provider-node': '@streamlens/lambda-kit/aws-credentials',
    });
  });

  it('bundle a handler without the STS/SSO clients and the rest of the chain', async () => {
    // Prepare: as osls runs esbuild, from the service folder
    const service = join(root, 'services', 'dynamodb-indexer');
    // Act
    const result = await build({
      ...options,
      sourcemap: false,
      entryPoints: [join(service, 'src', 'handler.ts')],
      absWorkingDir: service,
      outfile: join(service, '.tmp-coldstart-test.cjs'),
      bundle: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    // Assess
    expect(inputs.some((f) => f.includes('@aws-sdk/client-dynamodb'))).toBe(true);
    expect(inputs.some((f) => f.endsWith('lambda-kit/src/aws-credentials.ts'))).toBe(true);
    expect(inputs.filter((f) => CREDENTIAL_CHAIN.test(f))).toEqual([]);
  });

  it('(the check sees the chain when the alias is left out)', async () => {
    // Prepare
    const { alias: _, ...withoutAlias } = options;
    const service = join(root, 'services', 'dynamodb-indexer');
    // Act
    const result = await build({
      ...withoutAlias,
      sourcemap: false,
      entryPoints: [join(service, 'src', 'handler.ts')],
      absWorkingDir: service,
      outfile: join(service, '.tmp-coldstart-test.cjs'),
      bundle: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    // Assess
    expect(
      Object.keys(result.metafile.inputs).filter((f) => CREDENTIAL_CHAIN.test(f)).length,
    ).toBeGreaterThan(5);
  });
});

describe('spawnOnce', () => {
  it("reports the child's CPU time, which grows with the work done at load", () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'coldstart-test-'));
    const empty = join(dir, 'empty.cjs');
    const busy = join(dir, 'busy.cjs');
    writeFileSync(empty, '');
    writeFileSync(
      busy,
      'const end = process.cpuUsage().user + 150000; while (process.cpuUsage().user < end);',
    );
    try {
      // Act
      const e = spawnOnce(empty, {});
      const b = spawnOnce(busy, {});
      // Assess
      expect(e.error).toBeUndefined();
      expect(e.cpuMs).toBeGreaterThan(0);
      expect((b.cpuMs ?? 0) - (e.cpuMs ?? 0)).toBeGreaterThan(100);
      expect(b.ms).toBeGreaterThanOrEqual(b.cpuMs ?? 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the error line of a bundle that throws at load', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'coldstart-test-'));
    const bad = join(dir, 'bad.cjs');
    writeFileSync(
      bad,
      "class ConfigError extends Error { name = 'ConfigError' } throw new ConfigError('X is required');",
    );
    try {
      // Act
      const r = spawnOnce(bad, {});
      // Assess
      expect(r.error).toMatch(/ConfigError: X is required/);
      expect(r.cpuMs).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
