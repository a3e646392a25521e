export { getSQLiteStorage, writerOf, DEFAULT_SQLITE_FILE_NAME, type SQLiteStorageOptions } from './sqliteStorage.js';
