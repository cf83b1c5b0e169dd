import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { RECORD_METRICS } from '@streamlens/dashboard';
import { stageTarget } from '../../src/dashboard.js';

const root = resolve(import.meta.dirname, '../../../..');

describe('what `pnpm dashboard --stage X` reads', () => {
  it('names the stage resources as a deployment of the services names them', () => {
    // Act
    const target = stageTarget(root, { stage: 'prod', region: 'eu-west-1', lookbackMinutes: 60 });
    const fn = (service: string, key: string) =>
      target.functions?.find((f) => f.service === service && f.key === key);

    // Assert
    expect(target).toMatchObject({
      aggregatesStream: 'streamlens-prod-aggregates',
      stateTable: 'streamlens-prod-anomaly-state',
      warmupPoints: 30,
    });
    expect(fn('stream-aggregator', 'aggregate')).toEqual({
      service: 'stream-aggregator',
      key: 'aggregate',
      functionName: 'streamlens-stream-aggregator-prod-aggregate',
      kind: 'function',
      streamConsumer: true,
      source: 'events',
      onFailureQueue: 'streamlens-prod-aggregator-failures',
    });
    expect(fn('stream-aggregator', 'idle')).toMatchObject({
      source: 'schedule',
      deadLetterQueue: 'streamlens-prod-aggregator-failures-idle-dlq',
    });
    expect(fn('warehouse-loader', 'load')).toMatchObject({
      kind: 'queue',
      source: 'sqs streamlens-prod-warehouse-loader',
      deadLetterQueue: 'streamlens-prod-warehouse-loader-dlq',
    });
    expect(fn('anomaly-alerts', 'detect')).toMatchObject({
      streamConsumer: true,
      source: 'aggregates',
      onFailureQueue: 'streamlens-prod-anomaly-alerts-failures',
    });
    // Custom-resource handlers (warehouse and index set-up) are not pipeline stages.
    expect(target.functions?.some((f) => f.key === 'setup')).toBe(false);
    // Every function whose records the view counts is found under its EMF service name.
    for (const key of Object.keys(RECORD_METRICS)) {
      const [service, fnKey] = key.split(':') as [string, string];
      expect(fn(service, fnKey)).toBeDefined();
    }
  });
});
