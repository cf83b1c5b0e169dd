import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connectLocalAws } from '@streamlens/local-aws';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { query } from '../../src/redshift.js';
import { handler } from '../../src/setup.js';

// The WarehouseSetup custom resource against the Redshift Data stand-in (PostgreSQL): the handler
// applies the DDL it is given and answers CloudFormation at the response URL, here a loopback
// server standing in for the pre-signed S3 URL.

const aws = connectLocalAws();
const run = Date.now();
const database = `wl_setup_${run}`;
const sqlDir = new URL('../../sql/', import.meta.url).pathname;
const ddl = readdirSync(sqlDir)
  .filter((f) => f.endsWith('.sql'))
  .sort()
  .map((f) => readFileSync(`${sqlDir}${f}`, 'utf8'));

const responses: Array<Record<string, unknown>> = [];
let server: Server;
let responseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      responses.push(JSON.parse(body) as Record<string, unknown>);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`;
});
afterAll(async () => {
  server.close();
  await aws.close();
});

const context = {
  logGroupName: '/aws/lambda/setup',
  logStreamName: 'stream',
} as Context;

function event(
  type: 'Create' | 'Update',
  props: Record<string, unknown>,
): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:setup',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/wl/1',
    RequestId: `req-${responses.length}`,
    LogicalResourceId: 'WarehouseSetup',
    ResourceType: 'Custom::WarehouseSetup',
    ResourceProperties: { ServiceToken: 'arn:x', ...props },
  };
  return type === 'Create'
    ? { ...common, RequestType: 'Create' }
    : {
        ...common,
        RequestType: 'Update',
        PhysicalResourceId: `warehouse-ddl-streamlens-${database}`,
        OldResourceProperties: common.ResourceProperties,
      };
}

describe('WarehouseSetup custom resource', () => {
  it('creates the tables on Create, again harmlessly on Update, and answers SUCCESS each time', async () => {
    // Prepare
    const props = { Workgroup: 'streamlens', Database: database, Ddl: ddl };
    const before = responses.length;

    // Act
    await handler(event('Create', props), context);
    await handler(event('Update', props), context);
    const tables = await query(
      aws.clients().redshiftData,
      { workgroupName: 'streamlens', database },
      'SELECT count(*) AS n FROM streamlens_loads',
      undefined,
      { deadline: Date.now() + 30_000, initialDelayMs: 20, maxDelayMs: 200 },
    );

    // Assess
    expect(responses.slice(before).map((r) => [r.Status, r.PhysicalResourceId])).toEqual([
      ['SUCCESS', `warehouse-ddl-streamlens-${database}`],
      ['SUCCESS', `warehouse-ddl-streamlens-${database}`],
    ]);
    expect(
      Number((responses[before]?.Data as { Statements?: string } | undefined)?.Statements),
    ).toBeGreaterThanOrEqual(3);
    expect(tables).toEqual([{ n: 0 }]);
  });

  it('answers FAILED with the warehouse error when a statement fails', async () => {
    // Prepare
    const before = responses.length;
    const props = { Workgroup: 'streamlens', Database: database, Ddl: ['CREATE TABLE (;'] };

    // Act
    await handler(event('Create', props), context);

    // Assess
    expect(responses[before]).toMatchObject({ Status: 'FAILED' });
    expect(String(responses[before]?.Reason).length).toBeGreaterThan(0);
  });

  it('answers FAILED without calling the warehouse when the properties are missing', async () => {
    // Prepare
    const before = responses.length;

    // Act
    await handler(event('Create', { Workgroup: 'streamlens' }), context);

    // Assess
    expect(responses[before]).toMatchObject({
      Status: 'FAILED',
      Reason: 'WarehouseSetup needs Workgroup, Database and Ddl (the sql/*.sql texts)',
    });
  });
});
