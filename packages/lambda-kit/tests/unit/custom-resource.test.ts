import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { customResourceHandler, putResponse } from '../../src/custom-resource.js';
import { lambdaContext } from '../helpers/kinesis.js';

const base = {
  ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:setup',
  ResponseURL: 'https://cloudformation-custom-resource-response.example/abc',
  StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/s/1',
  RequestId: 'req-1',
  LogicalResourceId: 'WarehouseSetup',
  ResourceType: 'Custom::WarehouseSetup',
};

function event(
  type: 'Create' | 'Update' | 'Delete',
  props: Record<string, unknown> = { Workgroup: 'wg' },
): CloudFormationCustomResourceEvent {
  const ResourceProperties = { ServiceToken: base.ServiceToken, ...props };
  if (type === 'Create') return { ...base, RequestType: type, ResourceProperties };
  return {
    ...base,
    RequestType: type,
    PhysicalResourceId: 'setup-wg',
    ResourceProperties,
    ...(type === 'Update' ? { OldResourceProperties: ResourceProperties } : {}),
  } as CloudFormationCustomResourceEvent;
}

function recorder() {
  const sent: Array<{ url: string; body: Record<string, unknown> }> = [];
  return {
    sent,
    send: async (url: string, body: string) => {
      sent.push({ url, body: JSON.parse(body) as Record<string, unknown> });
    },
  };
}

describe('customResourceHandler', () => {
  it('applies on Create with the properties (without ServiceToken) and answers SUCCESS', async () => {
    // Prepare
    const seen: Record<string, unknown>[] = [];
    const { sent, send } = recorder();
    const handler = customResourceHandler(
      async (props) => {
        seen.push(props);
        return { physicalResourceId: 'setup-wg', data: { Applied: '3' } };
      },
      { send },
    );

    // Act
    await handler(event('Create'), lambdaContext());

    // Assess
    expect(seen).toEqual([{ Workgroup: 'wg' }]);
    expect(sent).toEqual([
      {
        url: base.ResponseURL,
        body: expect.objectContaining({
          Status: 'SUCCESS',
          PhysicalResourceId: 'setup-wg',
          StackId: base.StackId,
          RequestId: 'req-1',
          LogicalResourceId: 'WarehouseSetup',
          Data: { Applied: '3' },
        }),
      },
    ]);
  });

  it('applies again on Update (idempotent set-up) and leaves everything in place on Delete', async () => {
    // Prepare
    let applied = 0;
    const { sent, send } = recorder();
    const handler = customResourceHandler(
      async () => {
        applied++;
        return { physicalResourceId: 'setup-wg' };
      },
      { send },
    );

    // Act
    await handler(event('Update'), lambdaContext());
    await handler(event('Delete'), lambdaContext());

    // Assess
    expect(applied).toBe(1);
    expect(sent.map((s) => [s.body.Status, s.body.PhysicalResourceId])).toEqual([
      ['SUCCESS', 'setup-wg'],
      ['SUCCESS', 'setup-wg'],
    ]);
  });

  it('answers FAILED with the reason when the set-up throws, and does not throw itself', async () => {
    // Prepare
    const logged: string[] = [];
    const { sent, send } = recorder();
    const handler = customResourceHandler(
      async () => {
        throw new Error('workgroup not available');
      },
      { send, log: (message) => logged.push(message) },
    );

    // Act
    await handler(event('Create'), lambdaContext());

    // Assess
    expect(sent[0]?.body).toMatchObject({ Status: 'FAILED', Reason: 'workgroup not available' });
    expect(String(sent[0]?.body.PhysicalResourceId)).toContain('WarehouseSetup');
    expect(logged).toEqual(['custom resource failed']);
  });

  it('logs, and still resolves, when the response cannot be delivered', async () => {
    // Prepare
    const logged: string[] = [];
    const handler = customResourceHandler(async () => ({ physicalResourceId: 'x' }), {
      send: async () => {
        throw new Error('connection reset');
      },
      log: (message) => logged.push(message),
    });

    // Act
    await handler(event('Create'), lambdaContext());

    // Assess
    expect(logged).toEqual(['custom resource response not delivered']);
  });
});

describe('putResponse', () => {
  it('PUTs the body with an empty Content-Type, and rejects on an error status', async () => {
    // Prepare
    const received: Array<{ method?: string; type?: string; body: string }> = [];
    let status = 200;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ method: req.method, type: req.headers['content-type'], body });
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/signed?x=1`;

    try {
      // Act
      await putResponse(url, '{"Status":"SUCCESS"}');
      status = 403;
      const refused = await putResponse(url, '{}').catch((e: Error) => e.message);

      // Assess
      expect(received[0]).toEqual({ method: 'PUT', type: '', body: '{"Status":"SUCCESS"}' });
      expect(refused).toBe('response PUT answered 403');
    } finally {
      server.close();
    }
  });
});
