export { createServer, type EventlaneServer, type ServerOptions } from './server.js';
export { issueApiKey, hashApiKey, API_KEY_PREFIX, type IssueApiKeyOptions } from './apiKeys.js';
export { loadConfig, type Config } from './config.js';
export { openStorage } from './openStorage.js';
export { appRouter, type AppRouter } from './routers/index.js';
export type { Context } from './context.js';
