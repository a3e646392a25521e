export { useOutbox } from './useOutbox.js';
export { useSyncStatus } from './useSyncStatus.js';
export { useStream } from './useStream.js';
