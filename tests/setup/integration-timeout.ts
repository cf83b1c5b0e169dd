// Per-test and per-hook time limit of the integration project (Jest has no per-project setting and
// hooks share the test limit): stand-ins, streams and tables are created in beforeAll hooks.
import { jest } from '@jest/globals';

jest.setTimeout(120_000);
