import { afterEach, describe, expect, it } from '@jest/globals';
import { restoreEnv, stubEnv } from '@streamlens/lambda-kit/testing';
import { loadConfig } from '../../src/config.js';

function baseEnv(): void {
  stubEnv('STATE_TABLE_NAME', 'state');
  stubEnv('AGGREGATES_STREAM_NAME', 'aggregates');
  stubEnv('LAKE_BUCKET_NAME', 'lake');
}

afterEach(() => restoreEnv());

describe('stream-aggregator configuration: the window table and the flush state', () => {
  it('leaves the window table off unless WINDOW_TABLE is on, whatever WINDOW_TABLE_NAME says', () => {
    // Prepare
    baseEnv();
    stubEnv('WINDOW_TABLE_NAME', 'windows');
    // Act / Assess
    expect(loadConfig().windowTableName).toBeUndefined();
    stubEnv('WINDOW_TABLE', 'on');
    expect(loadConfig().windowTableName).toBe('windows');
  });

  it('requires WINDOW_TABLE_NAME when the window table is on, and one flush-state shard by default', () => {
    // Prepare
    baseEnv();
    stubEnv('WINDOW_TABLE', 'on');
    // Act / Assess
    expect(() => loadConfig()).toThrow('WINDOW_TABLE_NAME');
    stubEnv('WINDOW_TABLE_NAME', 'windows');
    expect(loadConfig().engine.flushShards).toBe(1);
    stubEnv('FLUSH_SHARDS', '12');
    expect(loadConfig().engine.flushShards).toBe(12);
    stubEnv('FLUSH_SHARDS', '0');
    expect(() => loadConfig()).toThrow('FLUSH_SHARDS');
  });
});
