import { describe, expect, it, jest } from '@jest/globals';
import {
  backoffDelay,
  deadlineFromContext,
  RetryExhaustedError,
  retryWithBackoff,
  StreamlensError,
} from '../../src/index.js';
import { lambdaContext, recordingSleep } from '../helpers/kinesis.js';

describe('backoffDelay', () => {
  it('draws full jitter below an exponentially growing, capped ceiling', () => {
    // Prepare
    const top = () => 0.999999;
    // Act
    const ceilings = [1, 2, 3, 4, 5, 10].map((a) =>
      backoffDelay(a, { baseDelayMs: 100, maxDelayMs: 1000, random: top }),
    );
    // Assess
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, { baseDelayMs: 100, random: () => 0 })).toBe(0);
  });
});

describe('retryWithBackoff', () => {
  it('returns the first success and sleeps between attempts', async () => {
    // Prepare
    const { sleep, delays } = recordingSleep();
    const fn = jest
      .fn<(attempt: number) => Promise<string>>()
      .mockRejectedValueOnce(new Error('a'))
      .mockRejectedValueOnce(new Error('b'))
      .mockResolvedValue('done');
    // Act
    const value = await retryWithBackoff(fn, { sleep, random: () => 0.5, baseDelayMs: 10 });
    // Assess
    expect(value).toBe('done');
    expect(fn.mock.calls.map((c) => c[0])).toEqual([1, 2, 3]);
    expect(delays).toEqual([5, 10]);
  });

  it('gives up after maxAttempts with the last error as cause', async () => {
    // Prepare
    const { sleep } = recordingSleep();
    const last = new Error('still failing');
    const fn = jest.fn(async () => {
      throw last;
    });
    // Act
    const error = await retryWithBackoff(fn, { sleep, maxAttempts: 3 }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error).toBeInstanceOf(StreamlensError);
    expect((error as RetryExhaustedError).attempts).toBe(3);
    expect((error as RetryExhaustedError).cause).toBe(last);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('rethrows a non-retryable error at once', async () => {
    // Prepare
    const fatal = new TypeError('bad input');
    const fn = jest.fn(async () => {
      throw fatal;
    });
    // Act
    const error = await retryWithBackoff(fn, { retryable: (e) => !(e instanceof TypeError) }).catch(
      (e: unknown) => e,
    );
    // Assess
    expect(error).toBe(fatal);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('stops before a sleep that would cross the deadline', async () => {
    // Prepare
    let clock = 1_000;
    const sleep = async (ms: number) => {
      clock += ms;
    };
    const fn = jest.fn(async () => {
      throw new Error('throttled');
    });
    // Act
    const error = await retryWithBackoff(fn, {
      sleep,
      now: () => clock,
      random: () => 0.99,
      baseDelayMs: 100,
      maxAttempts: 100,
      deadline: 1_500,
    }).catch((e: unknown) => e);
    // Assess: delays 99, 198, 396 would end at 1693 > 1500, so the third retry is not taken.
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as Error).message).toMatch(/Deadline/);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(clock).toBeLessThan(1_500);
  });

  it('reports each retry to onRetry', async () => {
    // Prepare
    const onRetry = jest.fn();
    const fn = jest
      .fn<() => Promise<number>>()
      .mockRejectedValueOnce(new Error('x'))
      .mockResolvedValue(1);
    // Act
    await retryWithBackoff(fn, { sleep: async () => {}, random: () => 0, onRetry });
    // Assess
    expect(onRetry).toHaveBeenCalledWith(expect.objectContaining({ attempt: 1, delayMs: 0 }));
  });
});

describe('deadlineFromContext', () => {
  it('is now + remaining time − safety margin', () => {
    // Prepare
    const context = lambdaContext(10_000);
    // Act
    const deadline = deadlineFromContext(context, 2_000, () => 50_000);
    // Assess
    expect(deadline).toBe(58_000);
  });
});
