import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ConfigError } from '@streamlens/lambda-kit';
import { detectorConfigFromEnv, loadConfig } from '../../src/config.js';
import { DEFAULT_DETECTOR_CONFIG } from '../../src/detector/index.js';

const SAVED = { ...process.env };
const serviceDir = join(import.meta.dirname, '..', '..');

afterEach(() => {
  process.env = { ...SAVED };
});

describe('DETECTOR_WARMUP_POINTS', () => {
  it('leaves the default configuration (NAB numbers) untouched when unset', () => {
    // Prepare
    delete process.env.DETECTOR_WARMUP_POINTS;
    // Act
    const config = detectorConfigFromEnv();
    // Assess
    expect(config).toBe(DEFAULT_DETECTOR_CONFIG);
    expect(config.warmupPoints).toBe(30);
  });

  it('sets the warm-up of the Lambda configuration and changes nothing else', () => {
    // Prepare
    process.env.DETECTOR_WARMUP_POINTS = '12';
    process.env.STATE_TABLE_NAME = 'state';
    process.env.ALERTS_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:alerts';
    // Act
    const config = loadConfig();
    // Assess
    expect(config.detector).toEqual({ ...DEFAULT_DETECTOR_CONFIG, warmupPoints: 12 });
  });

  it.each(['9', '100001', 'ten', '12.5'])('rejects %s naming the variable', (value) => {
    // Prepare
    process.env.DETECTOR_WARMUP_POINTS = value;
    // Act
    const act = () => detectorConfigFromEnv();
    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/DETECTOR_WARMUP_POINTS/);
  });

  it('is honoured by pnpm detect (scripts/detect.ts)', () => {
    // Prepare: 40 quiet points and a spike at point 25, which only a short warm-up can score.
    const dir = mkdtempSync(join(tmpdir(), 'detect-warmup-'));
    try {
      const rows = ['timestamp,value'];
      for (let i = 0; i < 40; i++) {
        const t = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString().slice(0, 19).replace('T', ' ');
        rows.push(`${t},${i === 25 ? 500 : 50 + ((i * 7919) % 5)}`);
      }
      writeFileSync(join(dir, 'in.csv'), `${rows.join('\n')}\n`);
      const run = (env: NodeJS.ProcessEnv, out: string): number => {
        execFileSync(
          process.execPath,
          ['--import', 'tsx', 'scripts/detect.ts', '--data', dir, '--out', join(dir, out)],
          { cwd: serviceDir, env, stdio: 'pipe' },
        );
        const lines = readFileSync(join(dir, out, 'in.csv'), 'utf8')
          .trim()
          .split('\n');
        return Number(lines[26]?.split(',')[2]);
      };
      const env = { ...SAVED };
      delete env.DETECTOR_WARMUP_POINTS;
      // Act
      const defaultScore = run(env, 'default');
      const shortScore = run({ ...env, DETECTOR_WARMUP_POINTS: '10' }, 'short');
      // Assess
      expect(defaultScore).toBe(0);
      expect(shortScore).toBeGreaterThanOrEqual(0.5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('SERIES_CONCURRENCY', () => {
  it('defaults to 16 series at once and reads an override', () => {
    // Prepare
    process.env.STATE_TABLE_NAME = 'state';
    process.env.ALERTS_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:alerts';
    delete process.env.SERIES_CONCURRENCY;
    // Act
    const byDefault = loadConfig().seriesConcurrency;
    process.env.SERIES_CONCURRENCY = '4';
    const overridden = loadConfig().seriesConcurrency;
    // Assess
    expect(byDefault).toBe(16);
    expect(overridden).toBe(4);
  });

  it.each(['0', '101', 'many'])('rejects %s naming the variable', (value) => {
    // Prepare
    process.env.STATE_TABLE_NAME = 'state';
    process.env.ALERTS_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:alerts';
    process.env.SERIES_CONCURRENCY = value;
    // Act
    const act = () => loadConfig();
    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(/SERIES_CONCURRENCY/);
  });
});
