import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CapacityMeter,
  formatCapacity,
  unitsPerTarget,
  writeTargets,
} from '../../src/capacity-report.js';

let upstream: Server | undefined;
const meter = new CapacityMeter();
afterEach(async () => {
  await meter.close();
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  upstream = undefined;
});

/** A stand-in DynamoDB that answers every call with `body`. */
async function answering(body: string): Promise<string> {
  upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(body);
  });
  await new Promise<void>((resolve) => upstream?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
}

describe('the capacity meter', () => {
  it('relays an answer it cannot account, and counts the call as unaccounted', async () => {
    // Prepare
    const endpoint = await meter.endpointFor('svc', await answering('not json'));
    // Act
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'DynamoDB_20120810.PutItem' },
      body: JSON.stringify({ TableName: 't', Item: { pk: { S: 'a' } } }),
    });
    // Assess
    expect([res.status, await res.text()]).toEqual([200, 'not json']);
    const [row] = meter.report(10);
    expect(row).toMatchObject({ service: 'svc', writeUnits: 0, unaccountedCalls: 1 });
    expect(formatCapacity(meter.report(10), 10)).toContain('1 calls answered but not accounted');
  });

  it('splits a batch’s units over its items by size (1 per KB of a put, 1 per delete)', () => {
    // Prepare: a 2.5 KB put (3), a small put (1) and a delete (1) of one BatchWriteItem
    const body = {
      RequestItems: {
        t: [
          { PutRequest: { Item: { pk: { S: 'big' }, b: { S: 'x'.repeat(2500) } } } },
          { PutRequest: { Item: { pk: { S: 'small' } } } },
          { DeleteRequest: { Key: { pk: { S: 'gone' } } } },
        ],
      },
    };
    // Act
    const targets = writeTargets('BatchWriteItem', body);
    const units = unitsPerTarget(targets, 5);
    // Assess
    expect(targets.map((t) => t.key.pk)).toEqual([{ S: 'big' }, { S: 'small' }, { S: 'gone' }]);
    expect(units).toEqual([3, 1, 1]);
  });
});
