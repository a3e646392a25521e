export { getSQLiteStorage, DEFAULT_SQLITE_FILE_NAME, type SQLiteStorageOptions } from './sqliteStorage.js';
