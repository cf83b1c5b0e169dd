export * from './generator.js';
export * from './pace.js';
export * from './random.js';
export * from './scenarios.js';
