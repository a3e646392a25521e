export * from './names';
export * from './limits';
export * from './append';
export * from './errors';
export * from './events';
export * from './reads';
export * from './subscriptions';
