import { PRICES, type PriceId } from './prices.js';

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
/** GB as the price lists count it for data volume (binary, as Kinesis and DynamoDB do). */
export const GB = 1024 ** 3;

/** One line of a bill: a quantity in the price's unit, and its cost (null: price unknown). */
export interface Line {
  readonly group: string;
  readonly what: string;
  readonly price: PriceId;
  /** Per month, in the unit of `PRICES[price]`. */
  readonly quantity: number;
  readonly usd: number | null;
}

export function charge(group: string, what: string, price: PriceId, quantity: number): Line {
  const unit = PRICES[price].usd as number | null;
  return { group, what, price, quantity, usd: unit === null ? null : quantity * unit };
}

/** Events a Lambda invocation takes from one lane: the batch, or what the batch window gathers. */
export function eventsPerInvocation(
  laneRate: number,
  batchSize: number,
  batchWindowSeconds: number,
): number {
  return Math.max(1, Math.min(batchSize, laneRate * batchWindowSeconds));
}

export interface LambdaUse {
  readonly fn: string;
  /** Units of work per second (events, or window events) and billed ms per unit. */
  readonly unitsPerSecond: number;
  readonly msPerUnit: number;
  readonly invocationsPerSecond: number;
  /** Billed ms per invocation on top of the per-unit time. */
  readonly msPerInvocation?: number;
  readonly memoryMb: number;
}

/** Lambda duration (arm64 GB-s) and request lines of one function for a month. */
export function lambdaLines(group: string, u: LambdaUse): Line[] {
  const msPerSecond =
    u.unitsPerSecond * u.msPerUnit + u.invocationsPerSecond * (u.msPerInvocation ?? 0);
  const gbSeconds = (msPerSecond / 1000) * (u.memoryMb / 1024) * SECONDS_PER_MONTH;
  return [
    charge(group, `${u.fn} duration`, 'lambdaArmGbSecond', gbSeconds),
    charge(
      group,
      `${u.fn} requests`,
      'lambdaRequestsPerMillion',
      (u.invocationsPerSecond * SECONDS_PER_MONTH) / 1e6,
    ),
  ];
}

/** DynamoDB on-demand write and read lines for units per second. */
export function dynamoLines(group: string, table: string, wcu: number, rcu: number): Line[] {
  return [
    charge(group, `${table} writes`, 'dynamoWritePerMillion', (wcu * SECONDS_PER_MONTH) / 1e6),
    charge(group, `${table} reads`, 'dynamoReadPerMillion', (rcu * SECONDS_PER_MONTH) / 1e6),
  ];
}

export interface Totals {
  /** Sum of the lines with a known price. */
  readonly usd: number;
  /** Lines left out of `usd` because their price is unknown. */
  readonly unknown: readonly Line[];
}

export function total(lines: readonly Line[]): Totals {
  let usd = 0;
  const unknown: Line[] = [];
  for (const l of lines) {
    if (l.usd === null) unknown.push(l);
    else usd += l.usd;
  }
  return { usd, unknown };
}
