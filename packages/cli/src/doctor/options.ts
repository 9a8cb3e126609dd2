/**
 * The doctor's settings beyond the store URL, with the adapters' defaults, and the `--max-session-age` parser.
 *
 * @module
 */
import { InvalidArgumentError } from 'commander';

/** Settings of one doctor run. */
export interface DoctorOptions {
  /** Deadline of each connection and request, in ms. */
  timeoutMs: number;
  /** The application's absolute session timeout, in seconds (gc_grace_seconds and the Hazelcast TTL are judged against it). */
  maxSessionAgeSeconds: number;
  /** Hazelcast sessions map. */
  mapName: string;
  /** Cassandra sessions table. */
  table: string;
  /** Cassandra per-user index table. */
  userTable: string;
  /** DynamoDB per-user GSI; `undefined` = the adapter's default. */
  userIndexName: string | undefined;
}

/**
 * Defaults: the adapters' own (`@sessionkit/hazelcast` `mapName`, `@sessionkit/cassandra` `createSchema`'s
 * `table`/`userTable`), a 24 h absolute timeout (the adapters' default `gc_grace_seconds` and core's NIST AAL2
 * preset), 5 s per request.
 */
export const DOCTOR_DEFAULTS = {
  timeoutMs: 5000,
  maxSessionAgeSeconds: 86_400,
  mapName: 'sessionkit-sessions',
  table: 'sessions',
  userTable: 'sessions_by_user',
} as const;

const UNITS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86_400 };

/** Parses `86400`, `90s`, `30m`, `24h` or `7d` into seconds (commander argument parser). */
export function parseDurationSeconds(value: string): number {
  const m = /^(\d+)\s*(s|m|min|h|d)?$/.exec(value.trim());
  const seconds = m ? Number(m[1]) * UNITS[m[2] ?? 's']! : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1) {
    throw new InvalidArgumentError('expected a duration such as 86400, 30m, 24h or 7d');
  }
  return seconds;
}
