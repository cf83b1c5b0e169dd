import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DYNAMODB_JVM_FLAGS,
  type DynamoDbLocalProcess,
  findJava,
  spawnDynamoDbLocal,
} from '../../src/dynamodb/index.js';
import { BROWSER_FORM_POST, rawRequest } from '../helpers/http.js';
import { isLoopbackAddress, listeningAddresses } from '../helpers/sockets.js';

// DynamoDB Local has no bind-address option; started as the stand-in starts it, it must still
// listen on loopback only. Checked on the kernel's socket table, so no packet leaves loopback.

const dir = mkdtempSync(join(tmpdir(), 'dynamodb-loopback-'));
let dd: DynamoDbLocalProcess;

beforeAll(async () => {
  const java = findJava();
  if (!java) throw new Error('DynamoDB Local needs Java: run scripts/setup-machine.sh');
  dd = await spawnDynamoDbLocal(java, DYNAMODB_JVM_FLAGS['fast-start'], dir);
}, 120_000);

afterAll(async () => {
  await dd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const listTables = {
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': 'DynamoDB_20120810.ListTables',
};

describe('DynamoDB Local as the stand-in starts it', () => {
  it('listens on a loopback address only, never on every interface', () => {
    // Act
    const addresses = listeningAddresses(Number(new URL(dd.endpoint).port));

    // Assess
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.filter((a) => !isLoopbackAddress(a))).toEqual([]);
  });

  it('refuses browser-originated requests and rebound Host names, and serves the SDK', async () => {
    // Act
    const browser = await rawRequest(dd.endpoint, {
      headers: { ...BROWSER_FORM_POST, ...listTables },
      body: '{}',
    });
    const rebound = await rawRequest(dd.endpoint, {
      headers: { ...listTables, host: 'attacker.example' },
      body: '{}',
    });
    const sdk = await rawRequest(dd.endpoint, {
      headers: {
        ...listTables,
        authorization:
          'AWS4-HMAC-SHA256 Credential=streamlenslocal/20261207/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });

    // Assess
    expect(browser.status).toBe(403);
    expect(rebound.status).toBe(403);
    expect(sdk.status).toBe(200);
    expect(JSON.parse(sdk.body)).toHaveProperty('TableNames');
  });
});
