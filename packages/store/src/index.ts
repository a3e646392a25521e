export type * from './eventStore.js';
export * from './errors.js';
export { globToRegExp } from './glob.js';
export type * from './subscriptions.js';
