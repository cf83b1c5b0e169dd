import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { zipEntries } from './zip.js';

// What the packaged function zips really hold, read from the source maps deployed next to each
// bundle (`sourcemap: external`): their `sources` list every module esbuild put in the bundle.
// Run after `pnpm run package` (package:check does both).

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The SDK's default credential chain and the STS/SSO/SSO-OIDC/sign-in clients it brings. */
const CREDENTIAL_CHAIN =
  /@aws-sdk[\\/+](credential-provider-(node|ini|sso|web-identity|process|http|login)|nested-clients|token-providers)[@\\/]|@smithy[\\/+]credential-provider-imds[@\\/]/;
const ZOD = /[\\/]zod@|[\\/]node_modules[\\/]zod[\\/]/;
/**
 * The Powertools Tracer, the X-Ray SDK and lambda-kit's tracer module: packaged with the default
 * `tracer` param (off), esbuild's `define` makes lambda-kit's Tracer branch dead code, so none of it
 * may be in a bundle (tracing on costs cold-start time: docs/operations.md, "Tracing").
 */
const TRACER =
  /@aws-lambda-powertools[\\/+]tracer[@\\/]|aws-xray-sdk|lambda-kit[\\/]src[\\/]tracer\.ts$/;
/** The S3 client and what only it brings (XML protocol, flexible checksums, S3 middleware). */
const CLIENT_S3 =
  /@aws-sdk[\\/+](client-s3|middleware-sdk-s3|checksums|xml-builder|signature-v4-multi-region)[@\\/]/;
/** The Kinesis client (and the SDK's HTTP/2 handler it imports for SubscribeToShard). */
const CLIENT_KINESIS = /@aws-sdk[\\/+]client-kinesis[@\\/]|node-http2-handler/;
/**
 * Services that write objects and records with lambda-kit's signed requests (`/s3-put`
 * `createObjectPut`, `/kinesis` `createPutRecordsCall`) and must not carry those clients again (they
 * made stream-aggregator 514 instead of 326 KiB minified).
 */
const WITHOUT_S3_AND_KINESIS_CLIENTS = new Set(['stream-aggregator']);

/** Services whose package holds function code (resources defines infrastructure only). */
const functionZips = readdirSync(join(root, 'services'))
  .filter((s) => existsSync(join(root, 'services', s, 'serverless.yml')))
  .flatMap((s) => {
    const dir = join(root, 'services', s, '.serverless');
    const zips = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.zip')) : [];
    return zips.map((z) => [s, join(dir, z)] as const);
  })
  .sort();

function bundledSources(zipFile: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const entry of zipEntries(readFileSync(zipFile))) {
    if (!entry.name.endsWith('.cjs.map')) continue;
    const map = JSON.parse(entry.read().toString('utf8')) as { sources: string[] };
    out.set(entry.name, map.sources);
  }
  return out;
}

describe('zip reader', () => {
  it('reads stored and deflated entries', () => {
    // Prepare: a two-entry archive built by hand
    const files = [
      { name: 'a.txt', data: Buffer.from('stored'), method: 0 },
      { name: 'dir/b.txt', data: Buffer.from('deflated '.repeat(20)), method: 8 },
    ];
    const locals: Buffer[] = [];
    const centrals: Buffer[] = [];
    let offset = 0;
    for (const f of files) {
      const body = f.method === 8 ? deflateRawSync(f.data) : f.data;
      const name = Buffer.from(f.name);
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(f.method, 8);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(f.data.length, 22);
      local.writeUInt16LE(name.length, 26);
      const central = Buffer.alloc(46);
      central.writeUInt32LE(0x02014b50, 0);
      central.writeUInt16LE(f.method, 10);
      central.writeUInt32LE(body.length, 20);
      central.writeUInt32LE(f.data.length, 24);
      central.writeUInt16LE(name.length, 28);
      central.writeUInt32LE(offset, 42);
      locals.push(local, name, body);
      centrals.push(central, name);
      offset += 30 + name.length + body.length;
    }
    const cd = Buffer.concat(centrals);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(files.length, 10);
    eocd.writeUInt32LE(cd.length, 12);
    eocd.writeUInt32LE(offset, 16);
    // Act
    const entries = zipEntries(Buffer.concat([...locals, cd, eocd]));
    // Assess
    expect(entries.map((e) => [e.name, e.read().toString()])).toEqual(
      files.map((f) => [f.name, f.data.toString()]),
    );
  });
});

describe('packaged function bundles', () => {
  it('exist for every service with functions', () => {
    // Assess
    // None found means the services were not packaged: run `pnpm run package` first.
    expect(functionZips.length).toBeGreaterThanOrEqual(6);
  });

  it.each(functionZips)(
    '%s: environment credentials only, no STS/SSO clients, no zod, no Tracer while tracing is off',
    (_service, zip) => {
      // Act
      const bundles = bundledSources(zip);
      // Assess
      expect(bundles.size).toBeGreaterThan(0);
      for (const [bundle, sources] of bundles) {
        expect({ bundle, sources: sources.length > 10 }).toEqual({ bundle, sources: true });
        expect({ bundle, chain: sources.filter((s) => CREDENTIAL_CHAIN.test(s)) }).toEqual({
          bundle,
          chain: [],
        });
        expect({ bundle, zod: sources.filter((s) => ZOD.test(s)) }).toEqual({ bundle, zod: [] });
        expect({ bundle, tracer: sources.filter((s) => TRACER.test(s)) }).toEqual({
          bundle,
          tracer: [],
        });
        if (sources.some((s) => /@aws-sdk[\\/+]client-/.test(s))) {
          expect(sources.some((s) => s.endsWith('lambda-kit/src/aws-credentials.ts'))).toBe(true);
        }
      }
    },
  );

  it.each(functionZips.filter(([service]) => WITHOUT_S3_AND_KINESIS_CLIENTS.has(service)))(
    '%s: objects and records sent through lambda-kit, no S3 or Kinesis client',
    (_service, zip) => {
      // Act
      const bundles = bundledSources(zip);
      // Assess
      expect(bundles.size).toBeGreaterThan(0);
      for (const [bundle, sources] of bundles) {
        expect({
          bundle,
          s3Put: sources.some((s) => s.endsWith('lambda-kit/src/s3-put.ts')),
          putRecords: sources.some((s) => s.endsWith('lambda-kit/src/kinesis/put-records-call.ts')),
          clients: sources.filter((s) => CLIENT_S3.test(s) || CLIENT_KINESIS.test(s)),
        }).toEqual({ bundle, s3Put: true, putRecords: true, clients: [] });
      }
    },
  );
});
