export * from './agent.js';
export * from './checkpoint.js';
export * from './glob.js';
export * from './metrics.js';
export * from './parsers.js';
export * from './processing.js';
