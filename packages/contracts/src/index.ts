export * from './names.js';
export * from './limits.js';
export * from './append.js';
export * from './errors.js';
export * from './events.js';
export * from './reads.js';
export * from './explore.js';
export * from './subscriptions.js';
