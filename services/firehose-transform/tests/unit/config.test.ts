import { afterEach, describe, expect, it } from '@jest/globals';
import { ConfigError } from '@streamlens/lambda-kit';
import { restoreEnv, stubEnv } from '@streamlens/lambda-kit/testing';
import { DEFAULT_CONFIG, levelRank, loadConfig } from '../../src/config.js';
import { reingestTargetOf } from '../../src/reingest.js';

afterEach(() => {
  restoreEnv();
});

describe('loadConfig', () => {
  it('uses the defaults when nothing is set', () => {
    // Prepare
    for (const name of ['DENY_TYPES', 'MIN_LOG_LEVEL', 'MAX_EVENT_BYTES', 'RESPONSE_LIMIT_BYTES'])
      stubEnv(name, '');
    // Act
    const config = loadConfig();
    // Assess
    expect(config).toEqual(DEFAULT_CONFIG);
  });

  it('reads the deny list, the minimum level and the limits', () => {
    // Prepare
    stubEnv('DENY_TYPES', 'metrics.window, alert.anomaly');
    stubEnv('MIN_LOG_LEVEL', 'WARN');
    stubEnv('RESPONSE_LIMIT_BYTES', '5000000');
    // Act
    const config = loadConfig();
    // Assess
    expect([...config.denyTypes]).toEqual(['metrics.window', 'alert.anomaly']);
    expect(config.minLogLevel).toBe('WARN');
    expect(config.responseLimitBytes).toBe(5_000_000);
  });

  it.each([
    ['MIN_LOG_LEVEL', 'LOUD'],
    ['RESPONSE_LIMIT_BYTES', '7000000'],
    ['MAX_EVENT_BYTES', '12abc'],
    ['REINGEST_MAX_ATTEMPTS', '0'],
  ])('fails fast on %s=%s, naming the variable', (name, value) => {
    // Prepare
    stubEnv(name, value);
    // Act
    const load = () => loadConfig();
    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(name);
  });

  it('ranks levels by severity', () => {
    expect(['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].map(levelRank)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('reingestTargetOf', () => {
  it('picks the source stream when there is one, else the delivery stream', () => {
    expect(
      reingestTargetOf({
        deliveryStreamArn: 'arn:aws:firehose:us-east-1:1:deliverystream/lake',
        sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:1:stream/events',
      }),
    ).toEqual({
      kind: 'kinesis',
      streamName: 'events',
      streamArn: 'arn:aws:kinesis:us-east-1:1:stream/events',
    });
    expect(
      reingestTargetOf({ deliveryStreamArn: 'arn:aws:firehose:us-east-1:1:deliverystream/lake' }),
    ).toEqual({
      kind: 'firehose',
      deliveryStreamName: 'lake',
      deliveryStreamArn: 'arn:aws:firehose:us-east-1:1:deliverystream/lake',
    });
  });
});
