import type { DescribeStatementResponse, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { describe, expect, it } from '@jest/globals';
import { StatementFailedError, StatementTimeoutError } from '../../src/errors.js';
import { waitForStatement } from '../../src/redshift.js';

function fakeClient(responses: Partial<DescribeStatementResponse>[]): RedshiftDataClient {
  let i = 0;
  return {
    send: async () => responses[Math.min(i++, responses.length - 1)],
  } as unknown as RedshiftDataClient;
}

describe('waitForStatement', () => {
  it('polls with exponential backoff capped at the maximum until FINISHED', async () => {
    // Prepare
    const sleeps: number[] = [];
    const client = fakeClient([
      { Status: 'SUBMITTED' },
      { Status: 'PICKED' },
      { Status: 'STARTED' },
      { Status: 'STARTED' },
      { Status: 'FINISHED', Id: 'a' },
    ]);
    // Act
    const d = await waitForStatement(client, 'a', {
      deadline: Date.now() + 60_000,
      initialDelayMs: 100,
      maxDelayMs: 300,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    // Assess
    expect(d.Status).toBe('FINISHED');
    expect(sleeps).toEqual([100, 200, 300, 300]);
  });

  it("surfaces the failing sub-statement's Redshift error text", async () => {
    const client = fakeClient([
      {
        Status: 'FAILED',
        Error: 'batch failed',
        SubStatements: [
          { Id: 'b:1', Status: 'ABORTED' },
          { Id: 'b:2', Status: 'FAILED', Error: "ERROR: Load into table 'stg' failed." },
        ],
      },
    ]);
    const error = await waitForStatement(client, 'b', { deadline: Date.now() + 1_000 }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(StatementFailedError);
    expect((error as StatementFailedError).redshiftError).toBe(
      "ERROR: Load into table 'stg' failed.",
    );
  });

  it('gives up at the deadline with a timeout error', async () => {
    const client = fakeClient([{ Status: 'STARTED' }]);
    await expect(
      waitForStatement(client, 'c', { deadline: Date.now() - 1, sleep: async () => {} }),
    ).rejects.toBeInstanceOf(StatementTimeoutError);
  });
});
