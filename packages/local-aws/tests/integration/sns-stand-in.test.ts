import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfirmSubscriptionCommand,
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
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
import { startLocalAws } from '../../src/start.js';
import { BROWSER_FORM_POST, rawRequest } from '../helpers/http.js';

let server: SnsServer;
let sns: SNSClient;
/** The run folder: the only place file subscriptions of `server` may write. */
const runDir = mkdtempSync(join(tmpdir(), 'sns-run-'));
/** Outside the run folder. */
const elsewhere = mkdtempSync(join(tmpdir(), 'sns-elsewhere-'));

beforeAll(async () => {
  server = await startSnsServer({ seed: 42, fileDeliveryDir: runDir });
  sns = new SNSClient({
    ...clientOptions({ ...process.env, AWS_ENDPOINT_URL_SNS: server.endpoint }, 'sns'),
    endpoint: server.endpoint,
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sns.destroy();
  await server.stop();
  rmSync(runDir, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

type Parsed = Record<string, unknown>;

/** The NDJSON lines of a file once it has at least `count` of them. */
async function waitForLines(file: string, count: number): Promise<Parsed[]> {
  for (let i = 0; i < 200; i += 1) {
    if (existsSync(file)) {
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
      if (lines.length >= count) return lines.map((l) => JSON.parse(l) as Parsed);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${file} did not get ${count} lines`);
}

/** A loopback HTTP subscriber that records what SNS posts to it. */
async function subscriber(): Promise<{
  url: string;
  posts: { headers: IncomingHttpHeaders; body: Parsed }[];
  close(): Promise<void>;
}> {
  const posts: { headers: IncomingHttpHeaders; body: Parsed }[] = [];
  const http: Server = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => {
      b += c;
    });
    req.on('end', () => {
      posts.push({ headers: req.headers, body: JSON.parse(b) as Parsed });
      res.end();
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    posts,
    close: () => new Promise<void>((r) => http.close(() => r())),
  };
}

async function until<T>(fn: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i += 1) {
    const value = fn();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met in 2 s');
}

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

  it('delivers to a file subscriber (NDJSON) in the run folder, in publish order', async () => {
    // Prepare
    const file = join(runDir, 'alerts.ndjson');
    const arn = await topic('alerts-file');
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'file', Endpoint: file }));
    // Act
    for (const message of ['one', 'two', 'three']) {
      await sns.send(new PublishCommand({ TopicArn: arn, Message: message }));
    }
    // Assess
    const lines = await waitForLines(file, 3);
    expect(lines.map((l) => l.message)).toEqual(['one', 'two', 'three']);
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

describe('SNS stand-in: what it lets in and where it delivers', () => {
  it('refuses a browser-originated (cross-origin) request before acting on it', async () => {
    // Prepare
    const name = `browser-${Date.now()}`;
    // Act
    const answer = await rawRequest(server.endpoint, {
      headers: BROWSER_FORM_POST,
      body: `Action=CreateTopic&Name=${name}`,
    });
    // Assess
    expect(answer.status).toBe(403);
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    expect((Topics ?? []).map((t) => t.TopicArn)).not.toContainEqual(expect.stringContaining(name));
  });

  it('delivers nothing to an http subscriber until it confirms through the SubscribeURL', async () => {
    // Prepare
    const hook = await subscriber();
    const arn = await topic('alerts-http');
    try {
      // Act
      const subscribed = await sns.send(
        new SubscribeCommand({ TopicArn: arn, Protocol: 'http', Endpoint: hook.url }),
      );
      const confirmation = await until(() =>
        hook.posts.find((p) => p.body.Type === 'SubscriptionConfirmation'),
      );
      await sns.send(new PublishCommand({ TopicArn: arn, Message: 'before' }));
      const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
      const confirmed = await fetch(String(confirmation.body.SubscribeURL));
      await sns.send(new PublishCommand({ TopicArn: arn, Message: 'after' }));
      const notification = await until(() =>
        hook.posts.find((p) => p.body.Type === 'Notification'),
      );

      // Assess
      expect(subscribed.SubscriptionArn).toBe('pending confirmation');
      expect(confirmation.headers['x-amz-sns-message-type']).toBe('SubscriptionConfirmation');
      expect(confirmation.body).toMatchObject({ TopicArn: arn, Token: expect.any(String) });
      expect(listed.Subscriptions?.map((s) => s.SubscriptionArn)).toEqual(['PendingConfirmation']);
      expect(confirmed.status).toBe(200);
      expect(await confirmed.text()).toContain(`<SubscriptionArn>${arn}:`);
      expect(hook.posts.filter((p) => p.body.Type === 'Notification')).toHaveLength(1);
      expect(notification.body.Message).toBe('after');
    } finally {
      await hook.close();
    }
  });

  it('confirms with ConfirmSubscription and the right token only', async () => {
    // Prepare
    const hook = await subscriber();
    const arn = await topic('alerts-https-confirm');
    try {
      const { SubscriptionArn } = await sns.send(
        new SubscribeCommand({
          TopicArn: arn,
          Protocol: 'http',
          Endpoint: hook.url,
          ReturnSubscriptionArn: true,
        }),
      );
      const confirmation = await until(() =>
        hook.posts.find((p) => p.body.Type === 'SubscriptionConfirmation'),
      );
      // Act
      const wrong = await sns
        .send(new ConfirmSubscriptionCommand({ TopicArn: arn, Token: 'not-the-token' }))
        .then(
          () => undefined,
          (error: Error) => error,
        );
      const pending = await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: SubscriptionArn as string }),
      );
      const right = await sns.send(
        new ConfirmSubscriptionCommand({ TopicArn: arn, Token: String(confirmation.body.Token) }),
      );
      const active = await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: SubscriptionArn as string }),
      );
      // Assess
      expect(wrong?.name).toBe('InvalidParameterException');
      expect(pending.Attributes?.PendingConfirmation).toBe('true');
      expect(right.SubscriptionArn).toBe(SubscriptionArn);
      expect(active.Attributes?.PendingConfirmation).toBe('false');
    } finally {
      await hook.close();
    }
  });

  it('refuses http endpoints that are not on this machine (nothing is sent to them)', async () => {
    // Prepare
    const arn = await topic('alerts-remote');
    // Act
    const outcome = await sns
      .send(
        new SubscribeCommand({
          TopicArn: arn,
          Protocol: 'https',
          Endpoint: 'https://hooks.invalid/x',
        }),
      )
      .then(
        () => undefined,
        (error: Error) => error,
      );
    // Assess
    expect(outcome?.name).toBe('InvalidParameterException');
    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: arn }));
    expect(listed.Subscriptions ?? []).toEqual([]);
  });

  it('refuses file endpoints outside the run folder, by path or through a symbolic link', async () => {
    // Prepare
    const arn = await topic('alerts-escape');
    const link = join(runDir, 'escape');
    symlinkSync(elsewhere, link);
    const attempts = [
      join(elsewhere, 'x.ndjson'),
      join(runDir, '..', 'x.ndjson'),
      join(link, 'x.ndjson'),
      'relative.ndjson',
    ];
    // Act
    const outcomes = await Promise.all(
      attempts.map((endpoint) =>
        sns
          .send(new SubscribeCommand({ TopicArn: arn, Protocol: 'file', Endpoint: endpoint }))
          .then(
            () => 'accepted',
            (error: Error) => error.name,
          ),
      ),
    );
    await sns.send(new PublishCommand({ TopicArn: arn, Message: 'x' }));
    // Assess
    expect(outcomes).toEqual(Array(attempts.length).fill('InvalidParameterException'));
    expect(existsSync(join(elsewhere, 'x.ndjson'))).toBe(false);
  });

  it('does not follow a symbolic link that replaced the file after Subscribe', async () => {
    // Prepare
    const arn = await topic('alerts-swapped');
    const file = join(runDir, 'swapped.ndjson');
    await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'file', Endpoint: file }));
    const target = join(elsewhere, 'target.ndjson');
    symlinkSync(target, file);
    const errorsBefore = server.stats().httpDeliveryErrors;
    // Act
    await sns.send(new PublishCommand({ TopicArn: arn, Message: 'x' }));
    await until(() => (server.stats().httpDeliveryErrors > errorsBefore ? true : undefined));
    // Assess
    expect(existsSync(target)).toBe(false);
  });

  it('as started by startLocalAws, delivers file subscriptions in its runDir only', async () => {
    // Prepare
    const ownRun = join(runDir, 'own-run');
    mkdirSync(ownRun);
    const aws = await startLocalAws({ services: ['sns'], quiet: true, runDir: ownRun });
    try {
      const file = join(ownRun, 'alerts.ndjson');
      // Act
      const created = await aws.createResources({
        topics: [{ name: 'run-topic', subscriptions: [{ protocol: 'file', endpoint: file }] }],
      });
      const refused = await aws
        .createResources({
          topics: [
            {
              name: 'other-topic',
              subscriptions: [{ protocol: 'file', endpoint: join(elsewhere, 'a.ndjson') }],
            },
          ],
        })
        .then(
          () => 'accepted',
          (error: Error) => error.name,
        );
      await aws
        .clients()
        .sns.send(
          new PublishCommand({ TopicArn: created.topics?.['run-topic'] as string, Message: 'hi' }),
        );
      // Assess
      expect((await waitForLines(file, 1)).map((l) => l.message)).toEqual(['hi']);
      expect(refused).toBe('InvalidParameterException');
    } finally {
      await aws.stop();
    }
  });
});
