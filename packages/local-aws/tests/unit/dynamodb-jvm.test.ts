import { describe, expect, it } from '@jest/globals';
import { DYNAMODB_JVM_FLAGS, jvmProfileFromEnv } from '../../src/dynamodb/index.js';

describe('DynamoDB Local JVM flag sets', () => {
  it('keeps the fast-start flags unless STREAMLENS_DYNAMODB_JVM asks for throughput', () => {
    // Prepare / Act / Assess
    expect(jvmProfileFromEnv({})).toBe('fast-start');
    expect(jvmProfileFromEnv({ STREAMLENS_DYNAMODB_JVM: 'bogus' })).toBe('fast-start');
    expect(jvmProfileFromEnv({ STREAMLENS_DYNAMODB_JVM: 'throughput' })).toBe('throughput');
    expect(DYNAMODB_JVM_FLAGS['fast-start']).toContain('-XX:TieredStopAtLevel=1');
    // Throughput runs C2 (full tiered compilation).
    expect(DYNAMODB_JVM_FLAGS.throughput.some((f) => f.startsWith('-XX:TieredStopAtLevel'))).toBe(
      false,
    );
  });
});
