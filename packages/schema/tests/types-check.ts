import type * as z from 'zod';
import type { AlertAnomaly, AppLog, MetricsWindow, TelemetryReading } from '../src/index.js';
import type {
  alertAnomalySchema,
  appLogSchema,
  metricsWindowSchema,
  telemetryReadingSchema,
} from '../src/zod.js';

// The exported event types must be exactly what the zod schemas accept. This is a compile-time
// check: `pnpm typecheck` (tsc --noEmit) type-checks this file and fails on any `false` below.
// It is not a Jest test: it has no runtime behaviour, and tsc checks it with every other file.

/** `true` when every value of A is a B. */
type Extends<A, B> = [A] extends [B] ? true : false;
/** Accepts only `true`: a `false` argument is a type error. */
type Expect<T extends true> = T;

export type Check1 = Expect<Extends<z.infer<typeof telemetryReadingSchema>, TelemetryReading>>;
export type Check2 = Expect<Extends<TelemetryReading, z.infer<typeof telemetryReadingSchema>>>;
export type Check3 = Expect<Extends<z.infer<typeof appLogSchema>, AppLog>>;
export type Check4 = Expect<Extends<AppLog, z.infer<typeof appLogSchema>>>;
export type Check5 = Expect<Extends<z.infer<typeof metricsWindowSchema>, MetricsWindow>>;
export type Check6 = Expect<Extends<MetricsWindow, z.infer<typeof metricsWindowSchema>>>;
export type Check7 = Expect<Extends<z.infer<typeof alertAnomalySchema>, AlertAnomaly>>;
export type Check8 = Expect<Extends<AlertAnomaly, z.infer<typeof alertAnomalySchema>>>;
