import {
  type AppLog,
  type InputEvent,
  type LogLevel,
  logSeriesKey,
  seriesKey,
  type TelemetryReading,
} from '@streamlens/schema';
import { ProducerConfigError } from '../errors.js';
import { Random } from './random.js';
import {
  AnomalyKind,
  InvalidKind,
  isScenarioName,
  SCENARIOS,
  type Scenario,
  type ScenarioName,
} from './scenarios.js';

/** One injected anomaly: what a detector should find (written to the ground-truth file). */
export interface AnomalyTruth {
  id: string;
  kind: AnomalyKind;
  /** `seriesKey(metric, dimensions)` of the affected series (`logSeriesKey(service, 'ERROR')` for bursts). */
  series: string;
  metric: string;
  dimensions: Record<string, string>;
  /** Event-time bounds, RFC 3339 with ms, UTC; `end` exclusive. */
  start: string;
  end: string;
  /** Multiplicative factor on the value (spike/level shift/dip) or the ERROR share during a burst. */
  magnitude: number;
}

/** A generated record with its send schedule. */
export interface GeneratedRecord {
  /** 0-based position in the sequence. */
  seq: number;
  /** When to send it, in ms since the generator's start (Poisson arrivals at `rate`). */
  offsetMs: number;
  /** The event time written in the record (ms since the epoch). */
  eventTimeMs: number;
  partitionKey: string;
  /** The record's bytes as a string: the event's JSON, or a corrupted variant when `invalid` is set. */
  data: string;
  /** The event when the record is valid. */
  event?: InputEvent;
  /** Why the record is invalid (absent for valid records). */
  invalid?: InvalidKind;
  /** The anomaly this record is part of, if any. */
  anomalyId?: string;
}

export interface GeneratorOptions {
  /** PRNG seed (default 1). Same seed and options → same records and truth. */
  seed?: number;
  /** Mean records per second of schedule (default 100). */
  rate?: number;
  /**
   * Seconds of schedule over which the rate rises linearly from 0 to `rate` (default 0: the full
   * rate from the first record). A load test warms up this way: JIT compilers, connection pools
   * and caches reach their steady state before the full rate arrives.
   */
  rampSeconds?: number;
  /** A built-in scenario name or a full scenario (default `anomalies`). */
  scenario?: ScenarioName | Scenario;
  /** Overrides the scenario's invalid share (0..1). */
  invalidShare?: number;
  /** Overrides the scenario's mean anomaly interval, in seconds of event time. */
  anomalyEverySeconds?: number;
  /** Number of devices emitting telemetry (default 20). */
  devices?: number;
  /** Number of services emitting logs (default 6, at most 12). */
  services?: number;
  /** Event time of the first record (ms since the epoch; default `Date.now()` at creation). */
  startTimeMs?: number;
  /**
   * Event-time seconds per schedule second (default 1: event time = wall clock when paced). A
   * simulated run uses e.g. 60 so that an hour of event time passes in a minute.
   */
  timeScale?: number;
  /** Period of the daily pattern in seconds of event time (default 86 400; a demo can use 600). */
  dayLengthSeconds?: number;
  /** Prefix of event ids (default `g<seed>-<start in base 36>`, unique per run and seed). */
  idPrefix?: string;
  /** CloudEvents `source` (default `streamlens/generator`). */
  source?: string;
}

interface MetricSpec {
  metric: string;
  unit: string;
  base: readonly [number, number];
  max?: number;
  integer?: boolean;
}

const METRICS: readonly MetricSpec[] = [
  { metric: 'cpu.utilization', unit: 'Percent', base: [20, 55], max: 100 },
  { metric: 'memory.utilization', unit: 'Percent', base: [35, 65], max: 100 },
  { metric: 'latency.ms', unit: 'Milliseconds', base: [40, 220] },
  { metric: 'requests.count', unit: 'Count', base: [50, 600], integer: true },
  { metric: 'network.bytes.in', unit: 'Bytes', base: [2e5, 5e6], integer: true },
];
const ROLES = ['web', 'api', 'db', 'cache', 'worker'] as const;
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;
const SERVICES = [
  'checkout',
  'payments',
  'search',
  'auth',
  'inventory',
  'gateway',
  'catalog',
  'shipping',
  'billing',
  'profile',
  'recommendations',
  'notifications',
] as const;
const LEVELS: readonly (readonly [LogLevel, number])[] = [
  ['DEBUG', 10],
  ['INFO', 78],
  ['WARN', 8],
  ['ERROR', 3.5],
  ['FATAL', 0.5],
];
const MESSAGES: Record<LogLevel, readonly string[]> = {
  DEBUG: ['cache lookup', 'query plan chosen', 'retrying idempotent call'],
  INFO: ['request served', 'order created', 'user signed in', 'item indexed', 'job completed'],
  WARN: ['slow downstream call', 'retry budget low', 'deprecated API used'],
  ERROR: ['downstream timeout', 'payment declined by provider', 'database connection reset'],
  FATAL: ['out of memory', 'unrecoverable state'],
};

interface Series {
  key: string;
  spec: MetricSpec;
  dimensions: Record<string, string>;
  host: string;
  level: number;
  phase: number;
}

interface ActiveAnomaly {
  truth: AnomalyTruth;
  startMs: number;
  endMs: number;
  /** Telemetry series index, or -1 for a log burst. */
  series: number;
  service?: string;
}

/** Traffic generator: see `createGenerator`. */
export class TrafficGenerator implements Iterable<GeneratedRecord> {
  readonly seed: number;
  readonly rate: number;
  readonly scenario: Scenario;
  readonly startTimeMs: number;
  readonly timeScale: number;
  private readonly dayMs: number;
  private readonly invalidShare: number;
  private readonly anomalyEveryMs: number;
  private readonly idPrefix: string;
  private readonly source: string;
  private readonly rng: Random;
  private readonly series: Series[] = [];
  private readonly services: string[];
  private readonly anomalies: ActiveAnomaly[] = [];
  private readonly active: ActiveAnomaly[] = [];
  private nextAnomalyMs: number;
  private seq = 0;
  private offsetMs = 0;
  /** Length of the rate ramp (ms of schedule; 0 = none). */
  private readonly rampMs: number;
  /** Records expected up to the current offset (the integral of the rate), while ramping. */
  private expectedSoFar = 0;
  private pending: GeneratedRecord | undefined;

  constructor(opts: GeneratorOptions = {}) {
    this.seed = opts.seed ?? 1;
    this.rate = opts.rate ?? 100;
    if (!(this.rate > 0) || !Number.isFinite(this.rate)) {
      throw new ProducerConfigError(`rate must be a positive number, got ${opts.rate}`);
    }
    const rampSeconds = opts.rampSeconds ?? 0;
    if (!(rampSeconds >= 0) || !Number.isFinite(rampSeconds)) {
      throw new ProducerConfigError(`rampSeconds must be 0 or more, got ${opts.rampSeconds}`);
    }
    this.rampMs = rampSeconds * 1000;
    const scenario = opts.scenario ?? 'anomalies';
    if (typeof scenario === 'string') {
      if (!isScenarioName(scenario)) {
        throw new ProducerConfigError(
          `unknown scenario "${scenario}" (known: ${Object.keys(SCENARIOS).join(', ')})`,
        );
      }
      this.scenario = SCENARIOS[scenario];
    } else {
      this.scenario = scenario;
    }
    this.invalidShare = opts.invalidShare ?? this.scenario.invalidShare;
    if (!(this.invalidShare >= 0 && this.invalidShare <= 1)) {
      throw new ProducerConfigError(`invalidShare must be within 0..1, got ${this.invalidShare}`);
    }
    this.anomalyEveryMs = (opts.anomalyEverySeconds ?? this.scenario.anomalyEverySeconds) * 1000;
    this.startTimeMs = opts.startTimeMs ?? Date.now();
    this.timeScale = opts.timeScale ?? 1;
    this.dayMs = (opts.dayLengthSeconds ?? 86_400) * 1000;
    this.idPrefix = opts.idPrefix ?? `g${this.seed}-${this.startTimeMs.toString(36)}`;
    this.source = opts.source ?? 'streamlens/generator';
    this.rng = new Random(this.seed);
    const devices = opts.devices ?? 20;
    const serviceCount = Math.min(opts.services ?? 6, SERVICES.length);
    if (devices < 1 || serviceCount < 1) {
      throw new ProducerConfigError('devices and services must be at least 1');
    }
    this.services = SERVICES.slice(0, serviceCount);
    for (let d = 0; d < devices; d++) {
      const role = ROLES[d % ROLES.length] as string;
      const host = `${role}-${Math.floor(d / ROLES.length) + 1}`;
      const region = REGIONS[d % REGIONS.length] as string;
      for (const spec of METRICS) {
        const dimensions = { host, region, role };
        this.series.push({
          key: seriesKey(spec.metric, dimensions),
          spec,
          dimensions,
          host,
          level: this.rng.range(spec.base[0], spec.base[1]),
          // Hosts peak at slightly different hours, as real fleets across time zones do.
          phase: this.rng.range(-0.05, 0.05),
        });
      }
    }
    this.nextAnomalyMs =
      this.anomalyEveryMs > 0
        ? this.startTimeMs + this.anomalyEveryMs * this.rng.range(0.5, 1.0)
        : Number.POSITIVE_INFINITY;
  }

  /** Keys of every telemetry series this generator can emit. */
  seriesKeys(): string[] {
    return this.series.map((s) => s.key);
  }

  /** The next record (the sequence is infinite). */
  next(): GeneratedRecord {
    if (this.pending !== undefined) {
      const value = this.pending;
      this.pending = undefined;
      return value;
    }
    return this.generate();
  }

  /**
   * The schedule offset (ms) at which `expected` records are due while the rate ramps: the inverse
   * of the rate's integral, rate·t²/2R during the ramp and rate·(t − R/2) after it. Spacing the
   * arrivals by unit exponential steps of that integral keeps them Poisson at every instant.
   */
  private offsetAt(expected: number): number {
    const perMs = this.rate / 1000;
    const duringRamp = (perMs * this.rampMs) / 2;
    return expected < duringRamp
      ? Math.sqrt((2 * this.rampMs * expected) / perMs)
      : expected / perMs + this.rampMs / 2;
  }

  private generate(): GeneratedRecord {
    const seq = this.seq++;
    // Poisson arrivals: exponential gaps with mean 1/rate.
    if (seq > 0) {
      const gap = -Math.log(1 - this.rng.next());
      if (this.rampMs === 0) this.offsetMs += (gap * 1000) / this.rate;
      else {
        this.expectedSoFar += gap;
        this.offsetMs = this.offsetAt(this.expectedSoFar);
      }
    }
    const eventTimeMs = Math.round(this.startTimeMs + this.offsetMs * this.timeScale);
    this.planAnomalies(eventTimeMs);
    const id = `${this.idPrefix}-${seq}`;
    const invalid =
      this.invalidShare > 0 && this.rng.next() < this.invalidShare
        ? this.rng.pick(Object.values(InvalidKind))
        : undefined;
    // A non-finite number is a telemetry value (log attributes are not metrics).
    const isLog = invalid !== InvalidKind.NonFinite && this.rng.next() < this.scenario.logShare;
    const { event, anomalyId } = isLog
      ? this.logEvent(id, eventTimeMs)
      : this.telemetryEvent(id, eventTimeMs);
    const partitionKey = event.subject ?? id;
    const record: GeneratedRecord = {
      seq,
      offsetMs: this.offsetMs,
      eventTimeMs,
      partitionKey,
      data: '',
    };
    if (anomalyId !== undefined) record.anomalyId = anomalyId;
    if (invalid !== undefined) {
      record.invalid = invalid;
      record.data = this.corrupt(event, invalid);
    } else {
      record.event = event;
      record.data = JSON.stringify(event);
    }
    return record;
  }

  /** The next `n` records. */
  take(n: number): GeneratedRecord[] {
    const out: GeneratedRecord[] = [];
    for (let i = 0; i < n; i++) out.push(this.next());
    return out;
  }

  /** Records scheduled within the first `seconds` of schedule time (continues from the current position). */
  *until(seconds: number): Generator<GeneratedRecord> {
    const limitMs = seconds * 1000;
    for (;;) {
      const r = this.next();
      if (r.offsetMs >= limitMs) {
        // Step back so that a later call resumes with this record.
        this.pending = r;
        return;
      }
      yield r;
    }
  }

  [Symbol.iterator](): Iterator<GeneratedRecord> {
    return { next: (): IteratorResult<GeneratedRecord> => ({ value: this.next(), done: false }) };
  }

  /**
   * Ground truth of the anomalies started so far. `untilMs` (event time) drops those starting
   * later and clips ends to it, so a truth file matches the traffic actually sent.
   */
  truth(opts?: { untilMs?: number }): AnomalyTruth[] {
    const until = opts?.untilMs ?? Number.POSITIVE_INFINITY;
    return this.anomalies
      .filter((a) => a.startMs < until)
      .map((a) =>
        a.endMs > until ? { ...a.truth, end: new Date(until).toISOString() } : { ...a.truth },
      );
  }

  private planAnomalies(nowMs: number): void {
    for (let i = this.active.length - 1; i >= 0; i--) {
      if ((this.active[i] as ActiveAnomaly).endMs <= nowMs) this.active.splice(i, 1);
    }
    while (this.nextAnomalyMs <= nowMs) {
      const startMs = Math.round(this.nextAnomalyMs);
      this.nextAnomalyMs += this.anomalyEveryMs * this.rng.range(0.5, 1.5);
      const kinds = this.scenario.anomalyKinds;
      if (kinds.length === 0) continue;
      const kind = this.rng.weighted(kinds);
      const anomaly =
        kind === AnomalyKind.ErrorBurst ? this.planBurst(startMs) : this.planShift(kind, startMs);
      if (anomaly === undefined) continue;
      this.anomalies.push(anomaly);
      this.active.push(anomaly);
    }
  }

  private planShift(kind: AnomalyKind, startMs: number): ActiveAnomaly | undefined {
    const busy = new Set(this.active.map((a) => a.series));
    const free = this.series.map((_, i) => i).filter((i) => !busy.has(i));
    if (free.length === 0) return undefined;
    const index = this.rng.pick(free);
    const s = this.series[index] as Series;
    const [magnitude, seconds] =
      kind === AnomalyKind.Spike
        ? [this.rng.range(3, 5), this.rng.range(120, 180)]
        : kind === AnomalyKind.LevelShift
          ? [this.rng.range(1.8, 2.5), this.rng.range(300, 600)]
          : [this.rng.range(0.05, 0.25), this.rng.range(180, 300)];
    const endMs = startMs + Math.round(seconds * 1000);
    return {
      startMs,
      endMs,
      series: index,
      truth: {
        id: `a${this.anomalies.length + 1}`,
        kind,
        series: s.key,
        metric: s.spec.metric,
        dimensions: { ...s.dimensions },
        start: new Date(startMs).toISOString(),
        end: new Date(endMs).toISOString(),
        magnitude: round(magnitude),
      },
    };
  }

  private planBurst(startMs: number): ActiveAnomaly | undefined {
    const busy = new Set(this.active.map((a) => a.service));
    const free = this.services.filter((s) => !busy.has(s));
    if (free.length === 0) return undefined;
    const service = this.rng.pick(free);
    const magnitude = this.rng.range(0.4, 0.7);
    const endMs = startMs + Math.round(this.rng.range(120, 240) * 1000);
    const dimensions = { level: 'ERROR', service };
    return {
      startMs,
      endMs,
      series: -1,
      service,
      truth: {
        id: `a${this.anomalies.length + 1}`,
        kind: AnomalyKind.ErrorBurst,
        series: logSeriesKey(service, 'ERROR'),
        metric: 'log.count',
        dimensions,
        start: new Date(startMs).toISOString(),
        end: new Date(endMs).toISOString(),
        magnitude: round(magnitude),
      },
    };
  }

  private activeFor(
    nowMs: number,
    match: (a: ActiveAnomaly) => boolean,
  ): ActiveAnomaly | undefined {
    for (const a of this.active) if (a.startMs <= nowMs && nowMs < a.endMs && match(a)) return a;
    return undefined;
  }

  private telemetryEvent(
    id: string,
    timeMs: number,
  ): { event: TelemetryReading; anomalyId?: string } {
    const index = this.rng.int(this.series.length);
    const s = this.series[index] as Series;
    const day = ((timeMs % this.dayMs) / this.dayMs + s.phase) * 2 * Math.PI;
    // Peak mid-afternoon, trough at night: sin shifted so its maximum falls at 15:00.
    const daily = 1 + this.scenario.dailyAmplitude * Math.sin(day - (7 / 12) * Math.PI);
    let value = s.level * daily * (1 + this.scenario.noise * this.rng.gaussian());
    const anomaly = this.activeFor(timeMs, (a) => a.series === index);
    if (anomaly !== undefined) value *= anomaly.truth.magnitude;
    value = Math.max(0, value);
    if (s.spec.max !== undefined) value = Math.min(s.spec.max, value);
    value = s.spec.integer ? Math.round(value) : round(value);
    const event: TelemetryReading = {
      specversion: '1.0',
      id,
      source: this.source,
      type: 'telemetry.reading',
      time: new Date(timeMs).toISOString(),
      subject: s.host,
      data: {
        metric: s.spec.metric,
        value,
        unit: s.spec.unit,
        dimensions: { ...s.dimensions },
      },
    };
    return anomaly === undefined ? { event } : { event, anomalyId: anomaly.truth.id };
  }

  private logEvent(id: string, timeMs: number): { event: AppLog; anomalyId?: string } {
    const service = this.rng.pick(this.services);
    const burst = this.activeFor(timeMs, (a) => a.service === service);
    let level: LogLevel;
    let anomalyId: string | undefined;
    if (burst !== undefined && this.rng.next() < burst.truth.magnitude) {
      level = 'ERROR';
      anomalyId = burst.truth.id;
    } else {
      level = this.rng.weighted(LEVELS);
    }
    const traceId = this.rng
      .int(2 ** 30)
      .toString(16)
      .padStart(8, '0');
    const event: AppLog = {
      specversion: '1.0',
      id,
      source: this.source,
      type: 'app.log',
      time: new Date(timeMs).toISOString(),
      subject: service,
      data: {
        level,
        message: this.rng.pick(MESSAGES[level]),
        service,
        traceId,
        attributes: { durationMs: this.rng.int(500), region: this.rng.pick(REGIONS) },
      },
    };
    return anomalyId === undefined ? { event } : { event, anomalyId };
  }

  private corrupt(event: InputEvent, kind: InvalidKind): string {
    const json = JSON.stringify(event);
    switch (kind) {
      case InvalidKind.BadJson:
        return json.slice(0, 1 + this.rng.int(json.length - 2));
      case InvalidKind.MissingField: {
        const copy = structuredClone(event) as unknown as Record<string, unknown> & {
          data: Record<string, unknown>;
        };
        const fields =
          event.type === 'telemetry.reading'
            ? ['id', 'time', 'source', 'data.metric', 'data.value']
            : ['id', 'time', 'source', 'data.message', 'data.service'];
        const field = this.rng.pick(fields);
        if (field.startsWith('data.')) delete copy.data[field.slice(5)];
        else delete copy[field];
        return JSON.stringify(copy);
      }
      case InvalidKind.WrongType: {
        const copy = structuredClone(event) as unknown as Record<string, unknown> & {
          data: Record<string, unknown>;
        };
        if (event.type === 'telemetry.reading') copy.data.value = String(event.data.value);
        else copy.data.message = 404;
        return JSON.stringify(copy);
      }
      case InvalidKind.NonFinite: {
        // JSON has no Infinity, but 1e999 is valid JSON that parses to it: what a buggy producer
        // printing a float overflow sends.
        return json.replace(/"value":[^,}]+/, '"value":1e999');
      }
      case InvalidKind.UnknownType:
        return JSON.stringify({ ...event, type: 'telemetry.unknown' });
    }
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * A seeded traffic generator: telemetry readings with a daily pattern and noise, app logs with
 * error bursts, a share of invalid records and injected anomalies with their ground truth.
 *
 * @example
 * const gen = createGenerator({ seed: 7, rate: 200, scenario: 'anomalies' });
 * for (const r of gen.until(60)) await producer.put({ data: r.data, partitionKey: r.partitionKey });
 * await writeFile('truth.json', JSON.stringify(gen.truth(), null, 2));
 */
export function createGenerator(opts: GeneratorOptions = {}): TrafficGenerator {
  return new TrafficGenerator(opts);
}
