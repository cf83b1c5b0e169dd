import { randomUUID } from 'node:crypto';
import { ServiceConfigError } from '../errors.js';

/** A `schedule` event of a function, as its serverless.yml declares it. */
export interface ScheduleSettings {
  /** The interval of a `rate(N unit)` expression, in seconds. */
  readonly rateSeconds: number;
  readonly enabled: boolean;
}

const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/**
 * Reads a `schedule` event (`rate(1 minute)`, or `{ rate: [...], enabled }`). EventBridge rates
 * are whole minutes, hours or days, singular for 1 (`rate(1 minute)`) and plural above; cron
 * expressions are not emulated and are refused with a message naming the function.
 */
export function scheduleSettings(where: string, event: unknown): ScheduleSettings {
  const spec = typeof event === 'string' ? { rate: event } : (event as Record<string, unknown>);
  const rates = [spec.rate].flat().filter((r): r is string => typeof r === 'string');
  const rate = rates[0];
  const m = rate ? /^rate\((\d+) (minute|hour|day)s?\)$/.exec(rate.trim()) : null;
  if (!m || rates.length !== 1) {
    throw new ServiceConfigError(
      `${where}: schedule ${JSON.stringify(spec.rate)} is not one rate(N minute|hour|day) expression (cron is not emulated)`,
    );
  }
  const n = Number(m[1]);
  if (n < 1) throw new ServiceConfigError(`${where}: schedule rate must be at least 1`);
  return {
    rateSeconds: n * (UNIT_SECONDS[m[2] as string] as number),
    enabled: spec.enabled !== false,
  };
}

/** The event EventBridge sends a scheduled target ("Scheduled Event"). */
export function scheduledEvent(
  ruleArn: string,
  region: string,
  now: Date,
): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ruleArn.split(':')[4] ?? '000000000000',
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [ruleArn],
    detail: {},
  };
}

export interface ScheduleOptions {
  readonly functionName: string;
  readonly ruleArn: string;
  readonly region: string;
  /** Interval between invocations, in milliseconds (the rate, or a local override). */
  readonly intervalMs: number;
  readonly invoke: (event: unknown) => Promise<unknown>;
  readonly onNotice?: (message: string) => void;
}

/**
 * Invokes a function on a fixed interval, as an EventBridge schedule rule does: one invocation at
 * a time (a slow one delays the next instead of overlapping it, which EventBridge would not do,
 * but the scheduled functions here are idempotent sweeps), failures reported and not retried.
 */
export class ScheduleEmitter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Invocations made, and how many of them failed. */
  readonly stats = { invocations: 0, failures: 0 };

  constructor(private readonly options: ScheduleOptions) {}

  /** Interval between invocations, in milliseconds. */
  get intervalMs(): number {
    return this.options.intervalMs;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.fire().finally(() => (this.running = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Invoke once now (also what each tick does). */
  async fire(): Promise<void> {
    const { invoke, ruleArn, region, onNotice, functionName } = this.options;
    this.stats.invocations += 1;
    try {
      await invoke(scheduledEvent(ruleArn, region, new Date()));
    } catch (error) {
      this.stats.failures += 1;
      onNotice?.(`${functionName}: scheduled invocation failed: ${(error as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
