import { describe, expect, it } from '@jest/globals';
import { pipelineCounters } from '../../src/dashboard.js';
import { newLedger } from '../../src/feed.js';
import { WindowLagTracker } from '../../src/lag.js';
import type { Pipeline } from '../../src/pipeline.js';
import { LocalQueue } from '../../src/sqs/queue.js';

describe("the run dashboard's pipeline counters", () => {
  it("reads each stage's counters from the harness as they stand", () => {
    // Arrange: an aggregator mapping, a Firehose stream, a queue consumer with a dead letter.
    const dlq = new LocalQueue({ name: 'streamlens-local-load-dlq', arn: 'arn:dlq' });
    const queue = new LocalQueue({
      name: 'streamlens-local-load',
      arn: 'arn:q',
      redrive: { deadLetter: dlq, maxReceiveCount: 1 },
    });
    queue.send('{}');
    dlq.send('{}');
    const pipeline = {
      services: [],
      functions: [
        {
          definition: { name: 'streamlens-local-aggregate' },
          mappings: [
            {
              settings: { streamName: 'streamlens-local-events' },
              stats: {
                recordsRead: 120,
                recordsProcessed: 100,
                functionErrors: 2,
                iteratorAgeMs: 1500,
                recordsDiscarded: 3,
              },
            },
          ],
          sqsMappings: [],
        },
        {
          definition: { name: 'streamlens-local-load' },
          mappings: [],
          sqsMappings: [
            { queue, stats: { messagesDeleted: 0, functionErrors: 1, messagesFailed: 1 } },
          ],
        },
      ],
      firehoses: [
        {
          stats: {
            recordsIn: 50,
            recordsDelivered: 45,
            invocationErrors: 1,
            processingFailed: 4,
            partitioningFailed: 1,
          },
        },
      ],
    } as unknown as Pipeline;
    const ledger = newLedger();
    ledger.invalid = 7;

    // Act
    const counters = pipelineCounters(pipeline, ledger, new WindowLagTracker(10_000));

    // Assert
    expect(counters.produced).toBe(7);
    expect(counters.windowLagMs).toBeUndefined();
    expect(counters.stages).toEqual([
      {
        name: 'λ aggregate ← events',
        kind: 'function',
        recordsIn: 120,
        recordsOut: 100,
        errors: 2,
        iteratorAgeMs: 1500,
        onFailure: 3,
        deadLetter: 0,
      },
      {
        name: 'firehose 1',
        kind: 'firehose',
        recordsIn: 50,
        recordsOut: 45,
        errors: 1,
        onFailure: 5,
        deadLetter: 0,
      },
      {
        name: 'λ load ← sqs load',
        kind: 'queue',
        recordsIn: 1,
        recordsOut: 0,
        errors: 1,
        onFailure: 1,
        deadLetter: 1,
      },
    ]);
  });
});
