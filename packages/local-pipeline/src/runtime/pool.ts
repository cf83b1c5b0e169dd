import { type ContainerOptions, FunctionContainer, type InvokeOutcome } from './container.js';

/** Counters of a function over all of its containers. */
export interface FunctionStats {
  invocations: number;
  coldStarts: number;
  errors: number;
  crashes: number;
  timeouts: number;
  busyMs: number;
  /** Highest number of invocations that ran at the same time. */
  peakConcurrency: number;
}

/**
 * A function's execution environments, as Lambda keeps them: an invocation goes to an idle
 * container, or a new one (a cold start) while fewer than `maxConcurrency` exist; beyond that it
 * waits for one to free up. A Kinesis mapping invokes once per shard (× parallelization factor)
 * at the same time, so a function fed by two shards runs two containers, not one after the other.
 */
export class FunctionPool {
  private readonly containers: FunctionContainer[] = [];
  private readonly idle: FunctionContainer[] = [];
  private readonly waiters: ((c: FunctionContainer) => void)[] = [];
  private running = 0;
  private peak = 0;

  constructor(
    private readonly options: ContainerOptions,
    readonly maxConcurrency = 1,
  ) {}

  private acquire(): Promise<FunctionContainer> {
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.containers.length < this.maxConcurrency) {
      const c = new FunctionContainer(this.options);
      this.containers.push(c);
      return Promise.resolve(c);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(c: FunctionContainer): void {
    const next = this.waiters.shift();
    if (next) next(c);
    else this.idle.push(c);
  }

  /** Invoke on a free container (never throws, like `FunctionContainer.invoke`). */
  async invoke(event: unknown): Promise<InvokeOutcome> {
    const c = await this.acquire();
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    try {
      return await c.invoke(event);
    } finally {
      this.running--;
      this.release(c);
    }
  }

  /**
   * Start every container the pool may run (their init phases) before traffic: a mapping's first
   * poll invokes once per shard at the same time, so each of them would cold-start in the first
   * second of traffic, competing with it for the machine's cores.
   */
  async warm(): Promise<void> {
    // The idle containers, then new ones up to the pool size (busy ones are warm already).
    const taken: FunctionContainer[] = this.idle.splice(0);
    while (this.containers.length < this.maxConcurrency) {
      const c = new FunctionContainer(this.options);
      this.containers.push(c);
      taken.push(c);
    }
    try {
      await Promise.all(taken.map((c) => c.warm()));
    } finally {
      for (const c of taken) this.release(c);
    }
  }

  /** Kernel thread ids of every container's workers (see `FunctionContainer.threadIds`). */
  get threadIds(): number[] {
    return this.containers.flatMap((c) => c.threadIds);
  }

  /** Counters summed over the containers. */
  get stats(): FunctionStats {
    const sum: FunctionStats = {
      invocations: 0,
      coldStarts: 0,
      errors: 0,
      crashes: 0,
      timeouts: 0,
      busyMs: 0,
      peakConcurrency: this.peak,
    };
    for (const c of this.containers) {
      sum.invocations += c.stats.invocations;
      sum.coldStarts += c.stats.coldStarts;
      sum.errors += c.stats.errors;
      sum.crashes += c.stats.crashes;
      sum.timeouts += c.stats.timeouts;
      sum.busyMs += c.stats.busyMs;
    }
    return sum;
  }

  /** Stop every container. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.containers.map((c) => c.stop()));
  }
}
