import { describe, expect, it } from 'vitest';
import { SPEC_VERSION } from '../../src/index.js';

describe('schema', () => {
  it('speaks CloudEvents 1.0', () => {
    expect(SPEC_VERSION).toBe('1.0');
  });
});
