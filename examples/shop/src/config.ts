/**
 * The shop's settings, all from the environment:
 *
 * | variable | default | meaning |
 * | --- | --- | --- |
 * | `PORT` | `3000` | HTTP port |
 * | `HOST` | `127.0.0.1` | listen address (`0.0.0.0` to expose it) |
 * | `SESSIONKIT_STORE` | `memory` | the session backend (a store URL, see @sessionkit/store-url) |
 * | `INSTANCE_NAME` | `shop-<port>` | shown on every page |
 * | `SESSION_SECRET` | random per process | cookie signing secret(s), comma-separated, each at least 32 bytes |
 * | `COOKIE_SECURE` | `false` | `true` behind HTTPS (`Secure`, `__Host-` cookie) |
 * | `OPERATOR_ENDPOINTS` | `true` | serve `/metrics` (Prometheus) and the `/operator` page, unauthenticated |
 * | `OPERATOR_PEERS` | none | the other instances the operator page shows: `name=http://host:port,...` |
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { StoreSpec } from '@sessionkit/store-url';
import { parseStoreUrl } from '@sessionkit/store-url';

/** The session cookie's base name: `sid` over plain HTTP, `__Host-sid` when `secureCookie` is on. */
export const SESSION_COOKIE = 'sid';

/**
 * The session cookie's name as browsers send it: {@link SESSION_COOKIE}, with the `__Host-` prefix when the
 * cookie is `Secure` (`COOKIE_SECURE=true`). The app sets this name and the load-balancer configs
 * (cluster/lb-config.ts) hash on it.
 */
export function sessionCookieName(secureCookie: boolean): string {
  return secureCookie ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

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
  /**
   * Serve `/metrics` and the `/operator` page. On in the demo; they need no login, so a real deployment turns
   * them off or keeps them on an address only its monitoring reaches.
   */
  operatorEndpoints: boolean;
  /** Other instances whose `/metrics` the operator page shows next to this one's. */
  operatorPeers: OperatorPeer[];
}

/** Another shop instance the operator page scrapes. */
export interface OperatorPeer {
  /** Its `INSTANCE_NAME`. */
  name: string;
  /** Its base URL, e.g. `http://127.0.0.1:3102`. */
  url: string;
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
  const operator = (env.OPERATOR_ENDPOINTS ?? 'true').toLowerCase();
  if (operator !== 'true' && operator !== 'false') throw new ConfigError('OPERATOR_ENDPOINTS must be true or false');
  return {
    port,
    host: env.HOST?.trim() || '127.0.0.1',
    store: parseStoreUrl(env.SESSIONKIT_STORE),
    instance: env.INSTANCE_NAME?.trim() || `shop-${port}`,
    secrets,
    generatedSecret: !secretText,
    secureCookie: secure === 'true',
    operatorEndpoints: operator === 'true',
    operatorPeers: parsePeers(env.OPERATOR_PEERS),
  };
}

/** Parses `OPERATOR_PEERS`: comma-separated `name=http://host:port` entries. */
function parsePeers(text: string | undefined): OperatorPeer[] {
  if (!text?.trim()) return [];
  return text.split(',').map((entry) => {
    const [name, url] = entry
      .trim()
      .split('=', 2)
      .map((s) => s.trim());
    if (!name || !url || !/^https?:\/\/[^/]+\/?$/.test(url))
      throw new ConfigError(`OPERATOR_PEERS: expected name=http://host:port, got "${entry.trim()}"`);
    return { name, url: url.replace(/\/$/, '') };
  });
}
