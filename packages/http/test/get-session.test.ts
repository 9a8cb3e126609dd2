import { expiryPresets, MemoryStore, SessionManager } from '@sessionkit/core';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { getSession, SessionContext, sessionMiddleware } from '../src/index.js';
import { SECRET } from './helpers.js';

describe('getSession', () => {
  it('finds the Express context on req.session, the one the middleware put there', async () => {
    const manager = new SessionManager({ ...expiryPresets.workday, store: new MemoryStore() });
    const app = express();
    app.use(sessionMiddleware({ manager, secrets: [SECRET], cookie: { secure: false } }));
    app.get('/', (req, res) => {
      const ctx = getSession(req);
      res.json({
        context: ctx instanceof SessionContext,
        same: ctx === (req as unknown as { session: unknown }).session,
      });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      const body = await (await fetch(`http://127.0.0.1:${port}/`)).json();
      expect(body).toEqual({ context: true, same: true });
    } finally {
      await manager.store.close();
      server.close();
    }
  });

  it('throws on a request no binding handled, and on a req.session that is not a SessionKit context', () => {
    expect(() => getSession({})).toThrow(/no SessionKit session on this request/);
    // e.g. express-session's middleware mounted instead of (or after) SessionKit's
    expect(() => getSession({ session: { cookie: {}, regenerate() {} } })).toThrow(/no SessionKit session/);
  });
});
