export * from './agent.js';
export * from './checkpoint.js';
export * from './glob.js';
export * from './parsers.js';
