import { describe, expect, it } from '@jest/globals';
import type { InvokeOutcome } from '../../src/runtime/container.js';
import { matchesPattern, objectCreatedEvent } from '../../src/sqs/eventbridge.js';
import { type SqsEventSettings, SqsEventSourceMapping } from '../../src/sqs/mapping.js';
import { LocalQueue } from '../../src/sqs/queue.js';

const ARN = 'arn:aws:sqs:us-east-1:000000000000:load';

function queues(maxReceiveCount = 3, now = () => clock.t) {
  const dlq = new LocalQueue({ name: 'load-dlq', arn: `${ARN}-dlq`, now });
  const queue = new LocalQueue({
    name: 'load',
    arn: ARN,
    visibilityTimeoutSeconds: 30,
    redrive: { deadLetter: dlq, maxReceiveCount },
    now,
  });
  return { queue, dlq };
}

const clock = { t: 1_000_000 };

const settings = (overrides: Partial<SqsEventSettings> = {}): SqsEventSettings => ({
  queueArn: ARN,
  batchSize: 10,
  maximumBatchingWindowSeconds: 0,
  reportBatchItemFailures: true,
  enabled: true,
  ...overrides,
});

type SqsEvent = {
  Records: {
    messageId: string;
    body: string;
    eventSource: string;
    eventSourceARN: string;
    attributes: Record<string, string>;
  }[];
};

function mapping(
  queue: LocalQueue,
  respond: (event: SqsEvent) => InvokeOutcome,
  overrides: Partial<SqsEventSettings> = {},
) {
  const events: SqsEvent[] = [];
  const m = new SqsEventSourceMapping({
    functionName: 'loader',
    settings: settings(overrides),
    queue,
    invoke: async (event) => {
      events.push(event as SqsEvent);
      return respond(event as SqsEvent);
    },
  });
  return { m, events };
}

const ok = (value: unknown): InvokeOutcome => ({ ok: true, value, durationMs: 1 });

describe('in-process SQS queue and its Lambda event source mapping', () => {
  it('redelivers only the messages named in batchItemFailures, after the visibility timeout', async () => {
    // Prepare
    const { queue } = queues();
    for (const body of ['a', 'b', 'c']) queue.send(body);
    const { m, events } = mapping(queue, (event) => {
      const b = event.Records.find((r) => r.body === 'b');
      return ok({ batchItemFailures: b ? [{ itemIdentifier: b.messageId }] : [] });
    });
    // Act
    await m.deliver(queue.receive(10));
    const hiddenAfterFailure = queue.receive(10);
    clock.t += 30_000;
    const redelivered = queue.receive(10);
    // Assess
    expect(events[0]?.Records.map((r) => r.body)).toEqual(['a', 'b', 'c']);
    expect(events[0]?.Records[0]).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: ARN });
    expect(m.stats).toMatchObject({ messagesDeleted: 2, messagesFailed: 1 });
    expect(hiddenAfterFailure).toEqual([]);
    expect(redelivered.map((r) => r.body)).toEqual(['b']);
    expect(redelivered[0]?.attributes.ApproximateReceiveCount).toBe('2');
  });

  it('a function error or an unknown itemIdentifier leaves the whole batch; success deletes it', async () => {
    // Prepare
    const { queue } = queues();
    queue.send('x');
    queue.send('y');
    const crash = mapping(queue, () => ({
      ok: false,
      errorType: 'Runtime.ExitError',
      errorMessage: 'boom',
      durationMs: 1,
    }));
    const unknown = mapping(queue, () => ok({ batchItemFailures: [{ itemIdentifier: 'nope' }] }));
    const fine = mapping(queue, () => ok(null));
    // Act
    await crash.m.deliver(queue.receive(10));
    clock.t += 30_000;
    await unknown.m.deliver(queue.receive(10));
    clock.t += 30_000;
    await fine.m.deliver(queue.receive(10));
    // Assess
    expect(crash.m.stats).toMatchObject({ functionErrors: 1, messagesDeleted: 0 });
    expect(unknown.m.stats).toMatchObject({ functionErrors: 1, messagesDeleted: 0 });
    expect(fine.m.stats.messagesDeleted).toBe(2);
    expect(queue.size()).toBe(0);
  });

  it('without ReportBatchItemFailures a response naming failures still deletes the whole batch', async () => {
    // Prepare
    const { queue } = queues();
    queue.send('x');
    const { m } = mapping(
      queue,
      (event) => ok({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }] }),
      { reportBatchItemFailures: false },
    );
    // Act
    await m.deliver(queue.receive(10));
    // Assess
    expect(queue.size()).toBe(0);
  });

  it('moves a message that failed maxReceiveCount times to the dead-letter queue', async () => {
    // Prepare
    const { queue, dlq } = queues(3);
    queue.send('poison');
    queue.send('good');
    const { m, events } = mapping(queue, (event) =>
      ok({
        batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      }),
    );
    // Act
    for (let i = 0; i < 5; i++) {
      const batch = queue.receive(10);
      if (batch.length > 0) await m.deliver(batch);
      clock.t += 30_000;
    }
    // Assess
    expect(events.map((e) => e.Records.map((r) => r.body))).toEqual([
      ['poison', 'good'],
      ['poison'],
      ['poison'],
    ]);
    expect(queue.size()).toBe(0);
    expect(dlq.bodies()).toEqual(['poison']);
    expect(queue.stats.movedToDeadLetter).toBe(1);
  });

  it('only the latest receipt handle deletes a message', () => {
    // Prepare
    const { queue } = queues();
    queue.send('m');
    const [first] = queue.receive(1);
    clock.t += 30_000;
    const [second] = queue.receive(1);
    // Act
    const staleDeleted = queue.delete(first?.receiptHandle ?? '');
    const freshDeleted = queue.delete(second?.receiptHandle ?? '');
    // Assess
    expect(staleDeleted).toBe(false);
    expect(freshDeleted).toBe(true);
  });

  it('fills a batch within the batching window and invokes once', async () => {
    // Prepare
    const queue = new LocalQueue({ name: 'w', arn: ARN, visibilityTimeoutSeconds: 30 });
    const { m, events } = mapping(queue, () => ok(null), {
      batchSize: 3,
      maximumBatchingWindowSeconds: 1,
    });
    queue.send('1');
    // Act
    m.start();
    await new Promise((r) => setTimeout(r, 300));
    queue.send('2');
    queue.send('3');
    const drained = await m.drain(5_000);
    await m.stop();
    // Assess
    expect(drained).toBe(true);
    expect(events.map((e) => e.Records.length)).toEqual([3]);
  });
});

describe('S3 → EventBridge', () => {
  const rule = {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: {
      bucket: { name: ['lake'] },
      object: { key: [{ prefix: 'events/' }, { prefix: 'aggregates/' }] },
    },
  };

  it('builds the Object Created event AWS sends and matches the rule on bucket and key prefix', () => {
    // Act
    const event = objectCreatedEvent(
      'lake',
      { key: 'events/type=a/x.gz', size: 12, etag: '"abc"' },
      'us-east-1',
    );
    const other = objectCreatedEvent('lake', { key: 'errors/x', size: 1, etag: 'e' }, 'us-east-1');
    const otherBucket = objectCreatedEvent(
      'elsewhere',
      { key: 'events/x', size: 1, etag: 'e' },
      'us-east-1',
    );
    // Assess
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      resources: ['arn:aws:s3:::lake'],
      detail: {
        bucket: { name: 'lake' },
        object: { key: 'events/type=a/x.gz', size: 12, etag: 'abc' },
      },
    });
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(matchesPattern(rule, event)).toBe(true);
    expect(matchesPattern(rule, other)).toBe(false);
    expect(matchesPattern(rule, otherBucket)).toBe(false);
  });

  it('supports suffix, exists and anything-but', () => {
    // Assess
    const e = { a: 'x.gz', b: 1 };
    expect(matchesPattern({ a: [{ suffix: '.gz' }] }, e)).toBe(true);
    expect(matchesPattern({ c: [{ exists: false }] }, e)).toBe(true);
    expect(matchesPattern({ b: [{ exists: false }] }, e)).toBe(false);
    expect(matchesPattern({ b: [{ 'anything-but': [1, 2] }] }, e)).toBe(false);
    expect(matchesPattern({ b: [{ 'anything-but': 3 }] }, e)).toBe(true);
  });
});
