import { describe, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import type { AlertAnomaly, AppLog, MetricsWindow, TelemetryReading } from '../../src/index.js';
import type {
  alertAnomalySchema,
  appLogSchema,
  metricsWindowSchema,
  telemetryReadingSchema,
} from '../../src/zod.js';

// The exported event types must be exactly what the zod schemas accept (checked by tsc --noEmit,
// which type-checks this file, and by Vitest's expectTypeOf).
describe('exported types match the zod schemas', () => {
  it('in both directions', () => {
    expectTypeOf<z.infer<typeof telemetryReadingSchema>>().toExtend<TelemetryReading>();
    expectTypeOf<TelemetryReading>().toExtend<z.infer<typeof telemetryReadingSchema>>();
    expectTypeOf<z.infer<typeof appLogSchema>>().toExtend<AppLog>();
    expectTypeOf<AppLog>().toExtend<z.infer<typeof appLogSchema>>();
    expectTypeOf<z.infer<typeof metricsWindowSchema>>().toExtend<MetricsWindow>();
    expectTypeOf<MetricsWindow>().toExtend<z.infer<typeof metricsWindowSchema>>();
    expectTypeOf<z.infer<typeof alertAnomalySchema>>().toExtend<AlertAnomaly>();
    expectTypeOf<AlertAnomaly>().toExtend<z.infer<typeof alertAnomalySchema>>();
  });
});
