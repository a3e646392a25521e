/** Server limits; every one is configurable on the server, these are the defaults the spec names. */
export interface Limits {
  /** Largest request body in bytes (413 above it). */
  maxBodyBytes: number;
  /** Most events in one append (400 above it). */
  maxEventsPerAppend: number;
  /** Largest `limit` a read accepts. */
  maxPageSize: number;
  /** `limit` when a read does not give one. */
  defaultPageSize: number;
  /** Deepest nesting of objects/arrays in an event's `data` or `metadata`. */
  maxJsonDepth: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxBodyBytes: 1024 * 1024,
  maxEventsPerAppend: 1000,
  maxPageSize: 1000,
  defaultPageSize: 100,
  maxJsonDepth: 64,
});
