export { createServer, type EventlaneServer, type ServerOptions } from './server';
export { issueApiKey, hashApiKey, API_KEY_PREFIX, type IssueApiKeyOptions } from './apiKeys';
export { loadConfig, type Config } from './config';
export { openStorage } from './openStorage';
export { appRouter, type AppRouter } from './routers';
export type { Context } from './context';
