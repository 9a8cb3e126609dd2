/**
 * `@sessionkit/http`: cookie/header session transport with signed tokens, a framework-agnostic per-request
 * {@link SessionContext} with stateless CSRF tokens, bindings for Express 4 and 5, Fastify 5, Koa 2 and 3,
 * `node:http`, Hono and the Web-standard `Request`/`Response` (each with a CSRF check), an express-session
 * bridge, and the adoption of express-session sessions (`legacy`).
 *
 * @module
 */

export * from './attach.js';
export * from './context.js';
export type { CookieAttributes } from './cookie.js';
export { readCookieValues, serializeCookie } from './cookie.js';
export * from './csrf.js';
export * from './csrf-token.js';
export * from './errors.js';
export * from './express.js';
export * from './express-session-bridge.js';
export * from './fastify.js';
export * from './hono.js';
export * from './intercept.js';
export * from './koa.js';
export * from './legacy.js';
export * from './legacy-cookie.js';
export * from './legacy-store.js';
export * from './node.js';
export * from './options.js';
export * from './request-origin.js';
export * from './session-http.js';
export * from './signing.js';
export * from './transport.js';
export * from './web.js';
