// Per-test time limit of the unit and packaging projects (Jest has no per-project setting for it).
import { jest } from '@jest/globals';

jest.setTimeout(20_000);
