import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { handler } from '../../src/setup.js';

// The SearchSetup custom resource against a loopback server that answers as OpenSearch does for
// the two PUTs (and ISM's 409 when the policy exists), and records CloudFormation's response.

type Seen = { method?: string; url?: string; body: string };
const seen: Seen[] = [];
const responses: Array<Record<string, unknown>> = [];
let policyExists = false;
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.url === '/cfn-response') {
        responses.push(JSON.parse(body) as Record<string, unknown>);
        res.end();
        return;
      }
      seen.push({ method: req.method, url: req.url, body });
      res.setHeader('content-type', 'application/json');
      const isPolicyPut = req.method === 'PUT' && req.url?.startsWith('/_plugins/_ism/policies/');
      if (isPolicyPut && policyExists && !req.url?.includes('if_seq_no')) {
        res.statusCode = 409;
        res.end('{"error":{"type":"version_conflict_engine_exception"}}');
        return;
      }
      if (req.method === 'GET') {
        res.end('{"_seq_no":7,"_primary_term":1,"policy":{}}');
        return;
      }
      if (isPolicyPut) policyExists = true;
      res.end('{"acknowledged":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

const context = { logGroupName: 'g', logStreamName: 's' } as Context;
const event = (props: Record<string, unknown>): CloudFormationCustomResourceEvent => ({
  RequestType: 'Create',
  ServiceToken: 'arn:x',
  ResponseURL: `${base}/cfn-response`,
  StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/os/1',
  RequestId: `r${responses.length}`,
  LogicalResourceId: 'SearchSetup',
  ResourceType: 'Custom::SearchSetup',
  ResourceProperties: { ServiceToken: 'arn:x', ...props },
});

describe('SearchSetup custom resource', () => {
  it('puts the index template and the ISM policy, and on a repeat updates the policy in place', async () => {
    // Prepare
    const props = { Endpoint: base, IndexPrefix: 'events', RetentionDays: '30' };

    // Act
    await handler(event(props), context);
    await handler(event(props), context);

    // Assess
    expect(responses.map((r) => [r.Status, r.PhysicalResourceId])).toEqual([
      ['SUCCESS', 'search-setup-events'],
      ['SUCCESS', 'search-setup-events'],
    ]);
    expect(seen.map((s) => `${s.method} ${s.url?.split('?')[0]}`)).toEqual([
      'PUT /_index_template/events-template',
      'PUT /_plugins/_ism/policies/events-template',
      'PUT /_index_template/events-template',
      'PUT /_plugins/_ism/policies/events-template',
      'GET /_plugins/_ism/policies/events-template',
      'PUT /_plugins/_ism/policies/events-template',
    ]);
    expect(seen.at(-1)?.url).toContain('if_seq_no=7');
    expect(JSON.parse(seen[1]?.body ?? '{}')).toMatchObject({
      policy: { ism_template: [{ index_patterns: ['events-*'] }] },
    });
  });

  it('answers FAILED when a property is missing, without calling the domain', async () => {
    // Prepare
    const before = seen.length;

    // Act
    await handler(event({ Endpoint: base, IndexPrefix: 'events' }), context);

    // Assess
    expect(responses.at(-1)).toMatchObject({ Status: 'FAILED' });
    expect(seen.length).toBe(before);
  });
});
