export * from './errors.js';
export * from './firehose.js';
export * from './generator/index.js';
export * from './null-sink.js';
export * from './producer.js';
export * from './rate.js';
export * from './shards.js';
export * from './stats.js';
