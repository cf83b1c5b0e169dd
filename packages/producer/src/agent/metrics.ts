import type { AgentStats } from './agent.js';

/** What a sink can report (the producers' `metrics()`), summed over the agent's sinks. */
export interface SinkMetrics {
  requests: number;
  retries: number;
  bytesPut: number;
  throttled?: number;
  latencyMs: { p99: number };
}

/** Counters an EMF line reports as the change since the previous line. */
const COUNTS = [
  ['LinesRead', 'linesRead', 'Count'],
  ['RecordsSent', 'recordsSent', 'Count'],
  ['ParseErrors', 'parseErrors', 'Count'],
  ['RecordSendErrors', 'sinkRetries', 'Count'],
  ['ServiceRequests', 'requests', 'Count'],
  ['ServiceRetries', 'retries', 'Count'],
  ['ServiceThrottled', 'throttled', 'Count'],
  ['BytesSent', 'bytesPut', 'Bytes'],
] as const;

type Totals = Record<(typeof COUNTS)[number][1], number>;

/**
 * Turns the agent's counters and its sinks' producer metrics into CloudWatch Embedded Metric
 * Format lines (what Kinesis Agent's `cloudwatch.emitMetrics` publishes, here as EMF so that the
 * CloudWatch agent or Logs turns them into metrics without an API call from this process).
 * Counts are per interval (the change since the previous line); `BytesBehind` and `SendLatencyP99`
 * are the current values.
 */
export class EmfEmitter {
  private previous: Totals | undefined;

  constructor(
    private readonly opts: { namespace: string; host: string; write: (line: string) => void },
  ) {}

  /** Writes one EMF line for the interval that ends now. */
  emit(stats: AgentStats, sinks: readonly SinkMetrics[], now = Date.now()): void {
    const totals: Totals = {
      linesRead: stats.linesRead,
      recordsSent: stats.recordsSent,
      parseErrors: stats.parseErrors,
      sinkRetries: stats.sinkRetries,
      requests: 0,
      retries: 0,
      throttled: 0,
      bytesPut: 0,
    };
    let p99 = 0;
    for (const m of sinks) {
      totals.requests += m.requests;
      totals.retries += m.retries;
      totals.throttled += m.throttled ?? 0;
      totals.bytesPut += m.bytesPut;
      p99 = Math.max(p99, m.latencyMs.p99);
    }
    const line: Record<string, unknown> = {
      _aws: {
        Timestamp: now,
        CloudWatchMetrics: [
          {
            Namespace: this.opts.namespace,
            Dimensions: [['Host']],
            Metrics: [
              ...COUNTS.map(([name, , unit]) => ({ Name: name, Unit: unit })),
              { Name: 'BytesBehind', Unit: 'Bytes' },
              { Name: 'SendLatencyP99', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      Host: this.opts.host,
    };
    for (const [name, key] of COUNTS) line[name] = totals[key] - (this.previous?.[key] ?? 0);
    line.BytesBehind = stats.bytesBehind;
    line.SendLatencyP99 = p99;
    this.previous = totals;
    this.opts.write(`${JSON.stringify(line)}\n`);
  }
}
