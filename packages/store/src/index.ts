export type * from './eventStore';
export * from './errors';
export { globToRegExp } from './glob';
export type * from './subscriptions';
