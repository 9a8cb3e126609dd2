/**
 * The one session setup every example shares: a `SessionManager` on an in-memory store and the signing secret,
 * bundled as a `SessionHttp` that every binding accepts (so all of them read the same sessions).
 */
import { expiryPresets, MemoryStore, SessionManager } from '@sessionkit/core';
import { SessionHttp } from '@sessionkit/http';

/** The session attributes of the example apps. */
export interface AppSession extends Record<string, unknown> {
  name?: string;
  cart?: string[];
}

const secret = process.env.SESSION_SECRET;
if (!secret) throw new Error('set SESSION_SECRET (at least 32 bytes) to run the examples');

/** The session lifecycle: NIST AAL2 expiry (1 h idle, 24 h absolute). */
export const manager = new SessionManager<AppSession>({
  ...expiryPresets.nistAal2,
  // In production, a shared store, e.g. `new RedisSessionStore({ connection: { host: '127.0.0.1', port: 6379 } })`
  // from @sessionkit/redis: every instance of the app then sees the same sessions.
  store: new MemoryStore(),
});

/** Secure cookies by default (`__Host-sid`); browsers accept them on https and on http://localhost. */
export const sessionHttp = new SessionHttp<AppSession>({ manager, secrets: [secret] });
