import { afterEach, describe, expect, it } from '@jest/globals';
import {
  ConfigError,
  envBool,
  envEnum,
  envInt,
  envList,
  envNumber,
  envString,
  requireEnv,
  StreamlensError,
} from '../../src/index.js';

const NAME = 'LAMBDA_KIT_TEST_VAR';

afterEach(() => {
  delete process.env[NAME];
});

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('requireEnv', () => {
  it('returns the trimmed value', () => {
    // Prepare
    process.env[NAME] = '  table-1 ';
    // Act
    const value = requireEnv(NAME);
    // Assess
    expect(value).toBe('table-1');
  });

  it.each([undefined, '', '   '])('fails fast naming the variable when it is %j', (value) => {
    // Prepare
    if (value !== undefined) process.env[NAME] = value;
    // Act
    const error = configErrorOf(() => requireEnv(NAME));
    // Assess
    expect(error).toBeInstanceOf(StreamlensError);
    expect(error.name).toBe('ConfigError');
    expect(error.variable).toBe(NAME);
    expect(error.message).toContain(NAME);
  });
});

describe('envString', () => {
  it('uses the default only when unset or blank', () => {
    expect(envString(NAME, 'd')).toBe('d');
    process.env[NAME] = 'x';
    expect(envString(NAME, 'd')).toBe('x');
  });
});

describe('envInt', () => {
  it('parses integers and applies the default', () => {
    expect(envInt(NAME, 7)).toBe(7);
    process.env[NAME] = '-42';
    expect(envInt(NAME, 7)).toBe(-42);
  });

  it.each(['12abc', '1.5', '1e3', 'abc', '99999999999999999999'])('rejects %s', (value) => {
    process.env[NAME] = value;
    const error = configErrorOf(() => envInt(NAME, 1));
    expect(error.message).toContain(NAME);
  });

  it('enforces inclusive bounds, the default included', () => {
    process.env[NAME] = '500';
    expect(envInt(NAME, 1, { min: 1, max: 500 })).toBe(500);
    process.env[NAME] = '501';
    expect(configErrorOf(() => envInt(NAME, 1, { min: 1, max: 500 })).message).toMatch(
      /maximum 500/,
    );
    process.env[NAME] = '0';
    expect(configErrorOf(() => envInt(NAME, 1, { min: 1 })).message).toMatch(/minimum 1/);
    delete process.env[NAME];
    expect(configErrorOf(() => envInt(NAME, 0, { min: 1 })).variable).toBe(NAME);
  });
});

describe('envNumber', () => {
  it('parses finite numbers and rejects the rest', () => {
    process.env[NAME] = '0.25';
    expect(envNumber(NAME, 1)).toBe(0.25);
    process.env[NAME] = 'Infinity';
    expect(configErrorOf(() => envNumber(NAME, 1)).variable).toBe(NAME);
    process.env[NAME] = 'x1';
    expect(configErrorOf(() => envNumber(NAME, 1)).variable).toBe(NAME);
  });
});

describe('envBool', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['0', false],
    ['No', false],
    ['off', false],
  ])('reads %s as %s', (value, expected) => {
    process.env[NAME] = value;
    expect(envBool(NAME, !expected)).toBe(expected);
  });

  it('rejects anything else and defaults when unset', () => {
    expect(envBool(NAME, true)).toBe(true);
    process.env[NAME] = 'maybe';
    expect(configErrorOf(() => envBool(NAME, true)).message).toContain(NAME);
  });
});

describe('envList', () => {
  it('splits on commas, trims and drops empty items', () => {
    process.env[NAME] = ' a, b ,,c ,';
    expect(envList(NAME)).toEqual(['a', 'b', 'c']);
  });

  it('returns a copy of the default when unset', () => {
    const fallback = ['x'] as const;
    const value = envList(NAME, fallback);
    expect(value).toEqual(['x']);
    expect(value).not.toBe(fallback);
  });
});

describe('envEnum', () => {
  it('accepts an allowed value and lists the allowed values otherwise', () => {
    expect(envEnum(NAME, ['a', 'b'] as const, 'a')).toBe('a');
    process.env[NAME] = 'b';
    expect(envEnum(NAME, ['a', 'b'] as const, 'a')).toBe('b');
    process.env[NAME] = 'c';
    const error = configErrorOf(() => envEnum(NAME, ['a', 'b'] as const, 'a'));
    expect(error.message).toContain(NAME);
    expect(error.message).toContain('a, b');
  });
});
