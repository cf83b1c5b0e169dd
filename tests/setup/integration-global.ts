/// <reference path="./provided-context.d.ts" />
// Vitest global setup of the `integration` project: starts the local AWS stand-ins once per run
// (ephemeral ports, temp folders), exports their env to the test workers, stops them after.
// Workers see the env two ways: process.env (workers are spawned after this runs and inherit it:
// verified with Vitest 3.2, pool forks and threads) and `inject('localAwsEnv')` (Vitest's
// supported channel, used by connectLocalAws() callers who want to be explicit).

import type { TestProject } from 'vitest/node';
import { type ServiceName, startLocalAws } from '../../packages/local-aws/src/index.js';

/** `STREAMLENS_LOCAL_AWS_SERVICES=kinesis,s3` starts only those (default: every registered one). */
function servicesFromEnv(): ServiceName[] | undefined {
  const value = process.env.STREAMLENS_LOCAL_AWS_SERVICES?.trim();
  if (!value) return undefined;
  return value.split(',').map((name) => name.trim() as ServiceName);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services = servicesFromEnv();
  const aws = await startLocalAws(services ? { services } : {});
  const previous: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(aws.env)) {
    previous[key] = process.env[key];
    process.env[key] = value;
  }
  project.provide('localAwsEnv', aws.env);
  return async () => {
    await aws.stop();
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
