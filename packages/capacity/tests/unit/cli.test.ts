import { describe, expect, it } from '@jest/globals';
import { run } from '../../src/cli.js';
import { parseCostArgs, parseScaleArgs, UsageError, WORKLOADS } from '../../src/index.js';

const costError = (argv: string[]) => {
  try {
    parseCostArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('parseCostArgs accepted the arguments');
};

const scaleError = (argv: string[]) => {
  try {
    parseScaleArgs(argv, WORKLOADS);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('parseScaleArgs accepted the arguments');
};

describe('pnpm cost arguments', () => {
  it('reads the flags, with shards left to the model and EFO by default', () => {
    const { input } = parseCostArgs(['--rate', '1000', '--event-bytes', '400', '--memory', '1024']);
    expect(input).toEqual({
      rate: 1000,
      eventBytes: 400,
      consumers: 'efo',
      memoryMb: 1024,
      opensearch: false,
      redshift: false,
      windowTable: false,
    });
    expect(
      parseCostArgs(['--rate', '5', '--event-bytes', '9', '--shards', '3', '--consumers', 'shared'])
        .input,
    ).toMatchObject({ shards: 3, consumers: 'shared' });
    expect(
      parseCostArgs(['--rate', '5', '--event-bytes', '9', '--window-table']).input.windowTable,
    ).toBe(true);
  });

  it('names the flag of every mistake', () => {
    expect(costError(['--event-bytes', '400'])).toBe('--rate is required');
    expect(costError(['--rate', '1000'])).toBe('--event-bytes is required');
    expect(costError(['--rate', 'abc', '--event-bytes', '400'])).toMatch(
      /^--rate must be a number/,
    );
    expect(costError(['--rate=-5', '--event-bytes', '400'])).toMatch(/^--rate must be/);
    expect(costError(['--rate', '', '--event-bytes', '400'])).toMatch(/^--rate must be/);
    expect(costError(['--rate', '1', '--event-bytes', '1.5'])).toMatch(
      /^--event-bytes must be an integer/,
    );
    expect(costError(['--rate', '1', '--event-bytes', '4', '--shards', '0'])).toMatch(
      /^--shards must be/,
    );
    expect(costError(['--rate', '1', '--event-bytes', '4', '--memory', '64'])).toMatch(
      /^--memory must be an integer from 128 to 10240/,
    );
    expect(costError(['--rate', '1', '--event-bytes', '4', '--consumers', 'fanout'])).toBe(
      "--consumers must be efo or shared (got 'fanout')",
    );
    expect(costError(['--rate', '1', '--event-bytes', '4', '--bogus', '1'])).toMatch(/--bogus/);
  });
});

describe('pnpm scale arguments', () => {
  it('runs the three workloads of the scale issue without --rate/--shards/--series', () => {
    const { inputs } = parseScaleArgs([], WORKLOADS);
    expect(inputs.map((i) => [i.rate, i.shards, i.series])).toEqual([
      [1000, 4, 2000],
      [20_000, 40, 100_000],
      [200_000, 400, 2_000_000],
    ]);
    expect(inputs[0]).toMatchObject({
      windowSeconds: 60,
      batchSize: 1000,
      batchWindowSeconds: 5,
      parallelization: 1,
    });
  });

  it('needs rate, shards and series together, and names the missing one', () => {
    expect(scaleError(['--rate', '100'])).toBe('--shards is required');
    expect(scaleError(['--rate', '100', '--shards', '2'])).toBe('--series is required');
    expect(scaleError(['--parallelization', '11'])).toMatch(
      /^--parallelization must be an integer from 1 to 10/,
    );
    expect(scaleError(['--window', '0'])).toMatch(/^--window must be/);
    expect(scaleError(['--batch-window', 'soon'])).toMatch(/^--batch-window must be/);
  });
});

describe('cli', () => {
  it('prints the error naming the flag and exits 2', () => {
    const out: string[] = [];
    expect(run(['cost', '--rate', 'x', '--event-bytes', '400'], (t) => out.push(t))).toBe(2);
    expect(out.join('\n')).toMatch(/^error: --rate must be/);
    expect(run(['price'], (t) => out.push(t))).toBe(2);
  });

  it('prints the bill with the Flink comparison, and the scale table with the first bottleneck', () => {
    const out: string[] = [];
    expect(run(['cost', '--rate', '1000', '--event-bytes', '400'], (t) => out.push(t))).toBe(0);
    expect(out[0]).toMatch(/Managed Flink is cheaper than the aggregation path above/);
    expect(out[0]).toMatch(/Not in the totals \(no published price found\): Firehose ingestion/);
    expect(run(['scale'], (t) => out.push(t))).toBe(0);
    expect((out[1]?.match(/first bottleneck/g) ?? []).length).toBe(3);
  });
});
