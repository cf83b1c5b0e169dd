export * from './errors.js';
export * from './generator/index.js';
