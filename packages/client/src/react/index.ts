export { useOutbox } from './useOutbox';
export { useSyncStatus } from './useSyncStatus';
export { useStream } from './useStream';
