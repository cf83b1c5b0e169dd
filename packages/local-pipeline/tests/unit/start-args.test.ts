import { describe, expect, it } from '@jest/globals';
import { DEFAULT_DASHBOARD_PORT, parseStartArgs } from '../../src/cli.js';

describe('pnpm start options', () => {
  it('reads --ramp, with no ramp by default', () => {
    expect(parseStartArgs(['--rate', '2000', '--ramp', '20'], '/r').rampSeconds).toBe(20);
    expect(parseStartArgs([], '/r').rampSeconds).toBe(0);
  });

  it('rejects a ramp that is not a number of seconds ≥ 0', () => {
    expect(() => parseStartArgs(['--ramp=-5'], '/r')).toThrow(/--ramp must be/);
    expect(() => parseStartArgs(['--ramp', 'soon'], '/r')).toThrow(/--ramp must be/);
  });

  it('reads --resend as a whole number ≥ 1, none by default', () => {
    expect(parseStartArgs(['--resend', '10'], '/r').resendEvery).toBe(10);
    expect(parseStartArgs([], '/r').resendEvery).toBeUndefined();
    expect(() => parseStartArgs(['--resend', '0'], '/r')).toThrow(/--resend must be/);
    expect(() => parseStartArgs(['--resend', '2.5'], '/r')).toThrow(/--resend must be/);
  });

  it('serves the dashboard on its default port unless told otherwise', () => {
    expect(parseStartArgs([], '/r').dashboardPort).toBe(DEFAULT_DASHBOARD_PORT);
    expect(parseStartArgs(['--dashboard-port', '0'], '/r').dashboardPort).toBe(0);
    expect(parseStartArgs(['--no-dashboard'], '/r').dashboardPort).toBeUndefined();
    expect(() => parseStartArgs(['--dashboard-port', '70000'], '/r')).toThrow(/--dashboard-port/);
  });

  it('reads --dashboard-hold as seconds ≥ 0, none by default', () => {
    expect(parseStartArgs(['--dashboard-hold', '30'], '/r').dashboardHoldSeconds).toBe(30);
    expect(parseStartArgs([], '/r').dashboardHoldSeconds).toBeUndefined();
    expect(() => parseStartArgs(['--dashboard-hold', 'later'], '/r')).toThrow(/--dashboard-hold/);
  });

  it('reads --ingest kinesis or kafka, Kinesis by default', () => {
    expect(parseStartArgs([], '/r').ingest).toBe('kinesis');
    expect(parseStartArgs(['--ingest', 'kafka'], '/r').ingest).toBe('kafka');
    expect(() => parseStartArgs(['--ingest', 'msk'], '/r')).toThrow(
      /--ingest must be kinesis or kafka/,
    );
  });
});
