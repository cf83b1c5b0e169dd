import * as z from 'zod';
import * as z3 from 'zod3';

// The CloudEvents input types of packages/schema written the way a user of each library would write
// them. The peers validate with these, not with @streamlens/schema, so that a peer's time is the
// library's and the bench does not depend on the schema package's internals.

const envelope4 = {
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().optional(),
  datacontenttype: z.string().optional(),
  dataschema: z.string().optional(),
};

/** zod 4: `telemetry.reading` | `app.log` CloudEvent (z.number() rejects non-finite values). */
export const InputEventSchema4 = z.discriminatedUnion('type', [
  z.object({
    ...envelope4,
    type: z.literal('telemetry.reading'),
    data: z.object({
      metric: z.string().min(1),
      value: z.number(),
      unit: z.string().optional(),
      dimensions: z.record(z.string(), z.string()).optional(),
    }),
  }),
  z.object({
    ...envelope4,
    type: z.literal('app.log'),
    data: z.object({
      level: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']),
      message: z.string(),
      service: z.string().min(1),
      traceId: z.string().optional(),
      attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    }),
  }),
]);

/** Output type of the peer schemas. */
export type PeerInputEvent = z.output<typeof InputEventSchema4>;

/**
 * zod 4 with the schema compiled once (`z.compile`, new in zod 4.6: an ahead-of-time fast path
 * generated with `new Function`; invalid input falls back to the ordinary parser).
 */
export const InputEventSchema4Compiled = z.compile(InputEventSchema4);

const envelope3 = {
  specversion: z3.literal('1.0'),
  id: z3.string().min(1),
  source: z3.string().min(1),
  time: z3.string().datetime({ offset: true }),
  subject: z3.string().optional(),
  datacontenttype: z3.string().optional(),
  dataschema: z3.string().optional(),
};

/** The same schema with the zod 3 API (zod 3.25); `.finite()` is explicit there. */
export const InputEventSchema3 = z3.discriminatedUnion('type', [
  z3.object({
    ...envelope3,
    type: z3.literal('telemetry.reading'),
    data: z3.object({
      metric: z3.string().min(1),
      value: z3.number().finite(),
      unit: z3.string().optional(),
      dimensions: z3.record(z3.string(), z3.string()).optional(),
    }),
  }),
  z3.object({
    ...envelope3,
    type: z3.literal('app.log'),
    data: z3.object({
      level: z3.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']),
      message: z3.string(),
      service: z3.string().min(1),
      traceId: z3.string().optional(),
      attributes: z3
        .record(z3.string(), z3.union([z3.string(), z3.number(), z3.boolean()]))
        .optional(),
    }),
  }),
]);
