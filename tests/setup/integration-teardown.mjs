// Jest global teardown of the `integration` project: stops the stand-ins that
// integration-global.mjs started and restores the environment it changed.

import { STAND_INS } from './integration-global.mjs';

export default async function teardown() {
  const handle = globalThis[STAND_INS];
  if (!handle) return;
  delete globalThis[STAND_INS];
  await handle.stop();
  for (const [key, value] of Object.entries(handle.previous)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}
