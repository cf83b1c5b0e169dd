// Jest global setup of the `integration` project: starts the local AWS stand-ins once per run
// (ephemeral ports, temp folders) and exports their env to the test workers through process.env.
// Jest starts its workers after this returns, and they inherit the parent's environment; with a
// single worker (`--runInBand`) the test environment copies process.env when it is created, which
// is also after this. integration-teardown.mjs stops the stand-ins.
//
// Jest loads global set-up outside its module system, so this file is plain ESM and loads the
// TypeScript sources of @streamlens/local-aws through tsx (already the repo's script runner).

import { tsImport } from 'tsx/esm/api';

/** Where on `globalThis` the running stand-ins wait for the teardown (same parent process). */
export const STAND_INS = Symbol.for('streamlens.integration.standIns');

/** `STREAMLENS_LOCAL_AWS_SERVICES=kinesis,s3` starts only those (default: every registered one). */
function servicesFromEnv() {
  const value = process.env.STREAMLENS_LOCAL_AWS_SERVICES?.trim();
  if (!value) return undefined;
  return value.split(',').map((name) => name.trim());
}

export default async function setup() {
  const { startLocalAws } = await tsImport(
    '../../packages/local-aws/src/index.ts',
    import.meta.url,
  );
  const services = servicesFromEnv();
  const aws = await startLocalAws(services ? { services } : {});
  const previous = {};
  for (const [key, value] of Object.entries(aws.env)) {
    previous[key] = process.env[key];
    process.env[key] = value;
  }
  globalThis[STAND_INS] = { stop: () => aws.stop(), previous };
}
