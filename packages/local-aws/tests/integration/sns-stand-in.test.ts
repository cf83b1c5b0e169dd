import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTopicCommand,
  ListSubscriptionsByTopicCommand,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { clientOptions } from '../../src/clients.js';
import { connectLocalAws } from '../../src/connect.js';
import { receiveLocalQueue, type SnsServer, startSnsServer } from '../../src/sns/index.js';

let server: SnsServer;
let sns: SNSClient;

beforeAll(async () => {
  server = await startSnsServer({ seed: 42 });
  sns = new SNSClient({
    ...clientOptions({ ...process.env, AWS_ENDPOINT_URL_SNS: server.endpoint }, 'sns'),
    endpoint: server.endpoint,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sns.destroy();
  await server.stop();
});

async function topic(name: string) {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  return TopicArn as string;
}

const attr = (v: string) => ({ DataType: 'String', StringValue: v });

describe('SNS stand-in driven by the real SNSClient', () => {
  it('creates topics, subscribes with filter policies and delivers only matching messages', async () => {
    // Prepare
    const arn = await topic('alerts-filter');
    await sns.send(
      new SubscribeCommand({
        TopicArn: arn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:all',
      }),
    );
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({
        TopicArn: arn,
        Protocol: 'sqs',
        Endpoint: 'arn:aws:sqs:us-east-1:000000000000:high',
        ReturnSubscriptionArn: true,
      }),
    );
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicyScope',
        AttributeValue: 'MessageAttributes',
      }),
    );
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: JSON.stringify({ severity: ['high', 'critical'] }),
      }),
    );
    // Act
    await sns.send(
      new PublishCommand({
        TopicArn: arn,
        Message: 'a',
        MessageAttributes: { severity: attr('low') },
      }),
    );
    await sns.send(
      new PublishCommand({
        TopicArn: arn,
        Message: 'b',
        MessageAttributes: { severity: attr('critical') },
      }),
    );
    const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
    // Assess
    expect(server.receive('all').map((d) => d.message)).toEqual(['a', 'b']);
    expect(server.receive('high').map((d) => d.message)).toEqual(['b']);
    expect(JSON.parse(server.receive('high')[0]?.body ?? '{}')).toMatchObject({
      Type: 'Notification',
      Message: 'b',
      MessageAttributes: { severity: { Type: 'String', Value: 'critical' } },
    });
    expect(subs.Subscriptions?.map((s) => s.Endpoint).sort()).toEqual([
      'arn:aws:sqs:us-east-1:000000000000:all',
      'arn:aws:sqs:us-east-1:000000000000:high',
    ]);
    expect(
      (await receiveLocalQueue(server.endpoint, 'high', { drain: true })).map((d) => d.message),
    ).toEqual(['b']);
    expect(server.receive('high')).toEqual([]);
  });

  it('answers PublishBatch per entry and enforces its limits', async () => {
    // Prepare
    const arn = await topic('alerts-batch');
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'sqs', Endpoint: 'batch-q' }));
    const entries = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, Message: `m${i}` }));
    // Act
    const ok = await sns.send(
      new PublishBatchCommand({
        TopicArn: arn,
        PublishBatchRequestEntries: [
          ...entries(2),
          {
            Id: 'big',
            Message: 'x'.repeat(256 * 1024 - 10),
            MessageAttributes: { severity: attr('high'.repeat(10)) },
          },
        ],
      }),
    );
    const tooMany = sns.send(
      new PublishBatchCommand({ TopicArn: arn, PublishBatchRequestEntries: entries(11) }),
    );
    const dup = sns.send(
      new PublishBatchCommand({
        TopicArn: arn,
        PublishBatchRequestEntries: [
          { Id: 'a', Message: '1' },
          { Id: 'a', Message: '2' },
        ],
      }),
    );
    const oversize = sns.send(
      new PublishCommand({ TopicArn: arn, Message: 'x'.repeat(256 * 1024 + 1) }),
    );
    // Assess
    expect(ok.Successful?.map((s) => s.Id)).toEqual(['e0', 'e1']);
    expect(ok.Failed).toEqual([
      expect.objectContaining({ Id: 'big', Code: 'InvalidParameter', SenderFault: true }),
    ]);
    await expect(tooMany).rejects.toMatchObject({ name: 'TooManyEntriesInBatchRequestException' });
    await expect(dup).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinctException' });
    await expect(oversize).rejects.toMatchObject({ name: 'InvalidParameterException' });
    expect(server.receive('batch-q').map((d) => d.message)).toEqual(['m0', 'm1']);
  });

  it('injects seeded throttling and per-entry failures', async () => {
    // Prepare
    const arn = await topic('alerts-faults');
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'sqs', Endpoint: 'faults-q' }));
    server.setFaults({ throttle: { times: 1 }, batchEntryFailure: { entries: [1], times: 1 } });
    const batch = {
      TopicArn: arn,
      PublishBatchRequestEntries: [
        { Id: 'a', Message: '1' },
        { Id: 'b', Message: '2' },
      ],
    };
    // Act
    const throttled = sns.send(new PublishBatchCommand(batch));
    await expect(throttled).rejects.toMatchObject({
      name: 'ThrottledException',
      $metadata: { httpStatusCode: 429 },
    });
    const partial = await sns.send(new PublishBatchCommand(batch));
    const clean = await sns.send(new PublishBatchCommand(batch));
    server.setFaults(undefined);
    // Assess
    expect(partial.Successful?.map((s) => s.Id)).toEqual(['a']);
    expect(partial.Failed).toEqual([
      expect.objectContaining({ Id: 'b', Code: 'InternalError', SenderFault: false }),
    ]);
    expect(clean.Failed ?? []).toEqual([]);
    expect(server.receive('faults-q').map((d) => d.message)).toEqual(['1', '1', '2']);
  });

  it('delivers to file (NDJSON) and http subscribers', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'sns-file-'));
    const file = join(dir, 'alerts.ndjson');
    const bodies: string[] = [];
    const http = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => {
        b += c;
      });
      req.on('end', () => {
        bodies.push(b);
        res.end();
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as { port: number }).port;
    const arn = await topic('alerts-file');
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'file', Endpoint: file }));
    await sns.send(
      new SubscribeCommand({
        TopicArn: arn,
        Protocol: 'http',
        Endpoint: `http://127.0.0.1:${port}/hook`,
      }),
    );
    try {
      // Act
      await sns.send(new PublishCommand({ TopicArn: arn, Message: 'hello' }));
      await new Promise((r) => setTimeout(r, 300));
      // Assess
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.message)).toEqual(['hello']);
      expect(bodies.map((b) => JSON.parse(b).Message)).toEqual(['hello']);
    } finally {
      http.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is registered: the global setup started it and createResources makes topics and subscriptions', async () => {
    // Prepare
    const aws = connectLocalAws();
    const name = `alerts-${Date.now()}`;
    // Act
    const created = await aws.createResources({
      topics: [
        {
          name,
          subscriptions: [
            { protocol: 'sqs', endpoint: `${name}-q`, filterPolicy: { severity: ['high'] } },
          ],
        },
      ],
    });
    const arn = created.topics?.[name] as string;
    await aws.clients().sns.send(
      new PublishCommand({
        TopicArn: arn,
        Message: 'x',
        MessageAttributes: { severity: attr('high') },
      }),
    );
    await aws.clients().sns.send(
      new PublishCommand({
        TopicArn: arn,
        Message: 'y',
        MessageAttributes: { severity: attr('low') },
      }),
    );
    // Assess
    expect(aws.endpoints.sns).toBeDefined();
    expect(
      (await receiveLocalQueue(aws.endpoints.sns as string, `${name}-q`)).map((d) => d.message),
    ).toEqual(['x']);
    aws.close();
  });
});
