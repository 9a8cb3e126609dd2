/**
 * The shop's settings, all from the environment:
 *
 * | variable | default | meaning |
 * | --- | --- | --- |
 * | `PORT` | `3000` | HTTP port |
 * | `HOST` | `127.0.0.1` | listen address (`0.0.0.0` to expose it) |
 * | `SESSIONKIT_STORE` | `memory` | the session backend (see store-from-url.ts) |
 * | `INSTANCE_NAME` | `shop-<port>` | shown on every page |
 * | `SESSION_SECRET` | random per process | cookie signing secret(s), comma-separated, each at least 32 bytes |
 * | `COOKIE_SECURE` | `false` | `true` behind HTTPS (`Secure`, `__Host-` cookie) |
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { StoreSpec } from './store-from-url.js';
import { parseStoreUrl } from './store-from-url.js';

/** The resolved settings. */
export interface ShopConfig {
  port: number;
  host: string;
  store: StoreSpec;
  instance: string;
  secrets: string[];
  /** Whether the secret was generated because `SESSION_SECRET` was unset. */
  generatedSecret: boolean;
  secureCookie: boolean;
}

/** Thrown for an unusable setting; the message names the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads the settings from an environment (default `process.env`). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ShopConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT must be a port number, got "${env.PORT}"`);
  const secretText = env.SESSION_SECRET?.trim();
  const secrets = secretText ? secretText.split(',').map((s) => s.trim()) : [randomBytes(32).toString('base64url')];
  if (secrets.some((s) => Buffer.byteLength(s) < 32))
    throw new ConfigError('SESSION_SECRET: every secret must be at least 32 bytes');
  const secure = (env.COOKIE_SECURE ?? 'false').toLowerCase();
  if (secure !== 'true' && secure !== 'false') throw new ConfigError('COOKIE_SECURE must be true or false');
  return {
    port,
    host: env.HOST?.trim() || '127.0.0.1',
    store: parseStoreUrl(env.SESSIONKIT_STORE),
    instance: env.INSTANCE_NAME?.trim() || `shop-${port}`,
    secrets,
    generatedSecret: !secretText,
    secureCookie: secure === 'true',
  };
}
