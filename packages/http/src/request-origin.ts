/**
 * {@link requestOrigin}: a `node:http` request's own origin, for the CSRF check's `Origin` comparison.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * `https://host[:port]` or `http://host[:port]` from the socket's encryption and the `Host` header, or
 * `undefined` without a `Host` header. Forwarding headers (`X-Forwarded-Proto`, `X-Forwarded-Host`) are not
 * read: anyone can send them. Behind a proxy that terminates TLS or rewrites `Host`, list the public origin in
 * the CSRF check's `trustedOrigins` (Express and Fastify use their own trust-proxy settings instead).
 */
export function requestOrigin(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (!host) return undefined;
  return `${(req.socket as TLSSocket).encrypted ? 'https' : 'http'}://${host}`;
}
