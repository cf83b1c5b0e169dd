export * from './factories.js';
export * from './hostile.js';
