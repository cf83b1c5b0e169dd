// The runtime API, free of zod (a test bundles this entry and fails if zod appears in it); the
// zod schemas are at `@streamlens/schema/zod`.
export * from './cloudwatch.js';
export * from './codecs.js';
export * from './datetime.js';
export * from './errors.js';
export * from './events.js';
export * from './evolution.js';
export * from './explain.js';
export * from './kafka-binding.js';
export * from './kpl.js';
export * from './limits.js';
export * from './normalize.js';
export * from './raw-buffer.js';
export * from './scan.js';
export * from './series.js';
export * from './validate.js';
