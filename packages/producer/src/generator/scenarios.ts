/** Kinds of injected anomalies, as written to the ground-truth file. */
export const AnomalyKind = {
  Spike: 'spike',
  LevelShift: 'level-shift',
  Dip: 'dip',
  ErrorBurst: 'error-burst',
} as const;
export type AnomalyKind = (typeof AnomalyKind)[keyof typeof AnomalyKind];

/** Kinds of invalid records, each mapping to one schema `ErrorCode`. */
export const InvalidKind = {
  BadJson: 'bad-json',
  MissingField: 'missing-field',
  WrongType: 'wrong-type',
  NonFinite: 'non-finite',
  UnknownType: 'unknown-type',
} as const;
export type InvalidKind = (typeof InvalidKind)[keyof typeof InvalidKind];

/** What a scenario sets; every field can be overridden by `createGenerator` options. */
export interface Scenario {
  name: string;
  description: string;
  /** Share of records that are `app.log` (the rest `telemetry.reading`). */
  logShare: number;
  /** Share of records that are invalid. */
  invalidShare: number;
  /** Mean seconds of event time between two injected anomalies (0: none). */
  anomalyEverySeconds: number;
  /** Anomaly kinds drawn, with weights. */
  anomalyKinds: readonly (readonly [AnomalyKind, number])[];
  /** Relative noise (standard deviation as a share of the level). */
  noise: number;
  /** Amplitude of the daily sine as a share of the level. */
  dailyAmplitude: number;
}

/**
 * The built-in scenarios. `anomalies` is what the local pipeline demo uses: every anomaly lasts
 * long enough (≥ 2 one-minute windows) to be detectable by the window-based detector.
 */
export const SCENARIOS = {
  steady: {
    name: 'steady',
    description: 'Daily pattern and noise only; no anomalies, no invalid records.',
    logShare: 0.2,
    invalidShare: 0,
    anomalyEverySeconds: 0,
    anomalyKinds: [],
    noise: 0.05,
    dailyAmplitude: 0.3,
  },
  anomalies: {
    name: 'anomalies',
    description:
      'Steady traffic plus an injected anomaly (spike, level shift, dip, error burst) about every 2 minutes; 1% invalid records.',
    logShare: 0.2,
    invalidShare: 0.01,
    anomalyEverySeconds: 120,
    anomalyKinds: [
      [AnomalyKind.Spike, 3],
      [AnomalyKind.LevelShift, 2],
      [AnomalyKind.Dip, 2],
      [AnomalyKind.ErrorBurst, 3],
    ],
    noise: 0.05,
    dailyAmplitude: 0.3,
  },
  noisy: {
    name: 'noisy',
    description:
      'High noise and frequent anomalies (about every 45 s); 5% invalid records. Hard mode for detectors.',
    logShare: 0.3,
    invalidShare: 0.05,
    anomalyEverySeconds: 45,
    anomalyKinds: [
      [AnomalyKind.Spike, 1],
      [AnomalyKind.LevelShift, 1],
      [AnomalyKind.Dip, 1],
      [AnomalyKind.ErrorBurst, 1],
    ],
    noise: 0.2,
    dailyAmplitude: 0.5,
  },
  'invalid-heavy': {
    name: 'invalid-heavy',
    description: '30% invalid records of every kind; for validation and dead-letter paths.',
    logShare: 0.2,
    invalidShare: 0.3,
    anomalyEverySeconds: 0,
    anomalyKinds: [],
    noise: 0.05,
    dailyAmplitude: 0.3,
  },
  logs: {
    name: 'logs',
    description: 'Mostly app.log (90%) with error bursts about every minute.',
    logShare: 0.9,
    invalidShare: 0.01,
    anomalyEverySeconds: 60,
    anomalyKinds: [[AnomalyKind.ErrorBurst, 1]],
    noise: 0.05,
    dailyAmplitude: 0.3,
  },
} as const satisfies Record<string, Scenario>;

export type ScenarioName = keyof typeof SCENARIOS;

export function isScenarioName(name: string): name is ScenarioName {
  return Object.hasOwn(SCENARIOS, name);
}
