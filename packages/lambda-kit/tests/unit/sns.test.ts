import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { publishBatchReliably } from '../../src/sns.js';
import { recordingSleep } from '../helpers/kinesis.js';

const snsMock = mockClient(SNSClient);
const client = new SNSClient({ region: 'us-east-1' });
const TOPIC = 'arn:aws:sns:us-east-1:000000000000:alerts';

afterEach(() => {
  snsMock.reset();
});

const msg = (i: number, body = `m${i}`): PublishBatchRequestEntry => ({
  Id: 'same',
  Message: body,
});
const sentBodies = (call: number) =>
  snsMock
    .commandCalls(PublishBatchCommand)
    [call]!.args[0].input.PublishBatchRequestEntries!.map((e) => e.Message);

describe('publishBatchReliably', () => {
  it('publishes in batches of at most 10 with distinct ids even when callers repeat theirs', async () => {
    // Prepare
    snsMock.on(PublishBatchCommand).resolves({ Successful: [], Failed: [] });
    // Act
    const result = await publishBatchReliably(
      client,
      TOPIC,
      Array.from({ length: 23 }, (_, i) => msg(i)),
    );
    // Assess
    expect(result.failed).toEqual([]);
    const calls = snsMock.commandCalls(PublishBatchCommand);
    expect(calls.map((c) => c.args[0].input.PublishBatchRequestEntries!.length)).toEqual([
      10, 10, 3,
    ]);
    const batchIds = calls[0]!.args[0].input.PublishBatchRequestEntries!.map((e) => e.Id);
    expect(new Set(batchIds).size).toBe(10);
    expect(calls[0]!.args[0].input.TopicArn).toBe(TOPIC);
  });

  it('retries entries that failed without sender fault and returns sender faults at once', async () => {
    // Prepare
    snsMock
      .on(PublishBatchCommand)
      .resolvesOnce({
        Failed: [
          { Id: '1', Code: 'InternalError', SenderFault: false, Message: 'try again' },
          { Id: '2', Code: 'InvalidParameter', SenderFault: true, Message: 'bad attribute' },
        ],
      })
      .resolves({ Failed: [] });
    const { sleep } = recordingSleep();
    const entries = [msg(0), msg(1), msg(2)];
    // Act
    const result = await publishBatchReliably(client, TOPIC, entries, { sleep });
    // Assess
    expect(result.failed).toEqual([
      { entry: entries[2], code: 'InvalidParameter', message: 'bad attribute' },
    ]);
    expect(sentBodies(1)).toEqual(['m1']);
  });

  it('returns entries still failing after maxAttempts', async () => {
    // Prepare
    snsMock
      .on(PublishBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'Throttled', SenderFault: false }] });
    const { sleep } = recordingSleep();
    // Act
    const result = await publishBatchReliably(client, TOPIC, [msg(0)], { sleep, maxAttempts: 2 });
    // Assess
    expect(result.failed.map((f) => f.code)).toEqual(['Throttled']);
    expect(snsMock.commandCalls(PublishBatchCommand)).toHaveLength(2);
  });

  it('returns a message over 256 KiB as failed and splits batches by total size', async () => {
    // Prepare
    snsMock.on(PublishBatchCommand).resolves({ Failed: [] });
    const huge = msg(0, 'x'.repeat(256 * 1024 + 1));
    const halves = [msg(1, 'y'.repeat(150 * 1024)), msg(2, 'z'.repeat(150 * 1024))];
    // Act
    const result = await publishBatchReliably(client, TOPIC, [huge, ...halves]);
    // Assess
    expect(result.failed.map((f) => [f.entry, f.code])).toEqual([[huge, 'EntryTooLarge']]);
    expect(snsMock.commandCalls(PublishBatchCommand)).toHaveLength(2);
  });
});
