import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_ALERTING_CONFIG,
  decideAlert,
  type EpisodeState,
  INITIAL_EPISODE_STATE,
  severityOf,
} from '../../src/alerting/episode.js';
import type { Scored } from '../../src/detector/index.js';

const cfg = {
  ...DEFAULT_ALERTING_CONFIG,
  threshold: 0.75,
  severityCuts: { medium: 0.85, high: 0.95, critical: 0.99 },
  recoveryWindows: 2,
  cooldownSeconds: 600,
};
const series = 'cpu.utilization|host=web-1';

function scored(score: number, low = 40, high = 60): Scored {
  return {
    score,
    expectedLow: low,
    expectedHigh: high,
    features: {},
    attribution: [],
    explanation: 'test',
    warmingUp: false,
  };
}

function at(minute: number, kind: 'telemetry' | 'log' = 'telemetry') {
  return { series, kind, windowStart: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString() };
}

describe('decideAlert', () => {
  it('opens an episode with one alert at an onset', () => {
    // Prepare
    const state = INITIAL_EPISODE_STATE;
    // Act
    const d = decideAlert(state, at(0), 500, scored(0.96), cfg);
    // Assess
    expect(d.alert).toEqual({
      status: 'open',
      episodeId: `${series}|${at(0).windowStart}`,
      severity: 'high',
      score: 0.96,
    });
    expect(d.episodes.open?.id).toBe(`${series}|${at(0).windowStart}`);
  });

  it('sends nothing for further high scores inside the episode, but raises its peak', () => {
    // Prepare
    const opened = decideAlert(INITIAL_EPISODE_STATE, at(0), 500, scored(0.8), cfg).episodes;
    // Act
    const d = decideAlert(opened, at(1), 900, scored(0.995), cfg);
    // Assess
    expect(d.alert).toBeUndefined();
    expect(d.suppressed).toBe('in-episode');
    expect(d.episodes.open).toMatchObject({ peakScore: 0.995, severity: 'critical' });
  });

  it('recovers after recoveryWindows consecutive normal windows, not before', () => {
    // Prepare
    let s: EpisodeState = decideAlert(INITIAL_EPISODE_STATE, at(0), 500, scored(0.9), cfg).episodes;
    // Act
    const first = decideAlert(s, at(1), 50, scored(0.1), cfg);
    s = first.episodes;
    const abnormal = decideAlert(s, at(2), 100, scored(0.2), cfg); // outside range: streak resets
    const second = decideAlert(abnormal.episodes, at(3), 50, scored(0.1), cfg);
    const third = decideAlert(second.episodes, at(4), 50, scored(0.1), cfg);
    // Assess
    expect(first.alert).toBeUndefined();
    expect(abnormal.episodes.open?.normalStreak).toBe(0);
    expect(second.alert).toBeUndefined();
    expect(third.alert).toMatchObject({
      status: 'recovered',
      episodeId: `${series}|${at(0).windowStart}`,
    });
    expect(third.episodes.open).toBeNull();
    expect(third.episodes.lastClosed?.recoveredAt).toBe(at(4).windowStart);
  });

  it('reopens the same episode silently when an onset falls inside the cool-down', () => {
    // Prepare
    let s = decideAlert(INITIAL_EPISODE_STATE, at(0), 500, scored(0.9), cfg).episodes;
    s = decideAlert(s, at(1), 50, scored(0.1), cfg).episodes;
    s = decideAlert(s, at(2), 50, scored(0.1), cfg).episodes; // recovered at minute 2
    // Act
    const within = decideAlert(s, at(5), 500, scored(0.9), cfg);
    const after = decideAlert(s, at(13), 500, scored(0.9), cfg);
    // Assess
    expect(within.alert).toBeUndefined();
    expect(within.suppressed).toBe('cooldown-reopen');
    expect(within.episodes.open?.id).toBe(`${series}|${at(0).windowStart}`);
    expect(after.alert).toMatchObject({
      status: 'open',
      episodeId: `${series}|${at(13).windowStart}`,
    });
  });

  it('ignores warm-up points and scores under the threshold', () => {
    // Act
    const warm = decideAlert(
      INITIAL_EPISODE_STATE,
      at(0),
      500,
      { ...scored(1), warmingUp: true },
      cfg,
    );
    const low = decideAlert(INITIAL_EPISODE_STATE, at(0), 500, scored(0.74), cfg);
    // Assess
    expect(warm.alert).toBeUndefined();
    expect(low.alert).toBeUndefined();
  });

  it('alerts on error-count spikes but not on drops of a log series', () => {
    // Act
    const spike = decideAlert(INITIAL_EPISODE_STATE, at(0, 'log'), 90, scored(0.9, 0, 10), cfg);
    const drop = decideAlert(INITIAL_EPISODE_STATE, at(0, 'log'), 0, scored(0.9, 5, 10), cfg);
    const both = decideAlert(INITIAL_EPISODE_STATE, at(0, 'log'), 0, scored(0.9, 5, 10), {
      ...cfg,
      logDirection: 'both',
    });
    // Assess
    expect(spike.alert?.status).toBe('open');
    expect(drop.alert).toBeUndefined();
    expect(drop.suppressed).toBe('direction');
    expect(both.alert?.status).toBe('open');
  });

  it('maps scores to severities by the configured cuts', () => {
    // Act / Assess
    expect([0.5, 0.86, 0.96, 0.999].map((s) => severityOf(s, cfg.severityCuts))).toEqual([
      'low',
      'medium',
      'high',
      'critical',
    ]);
  });
});
