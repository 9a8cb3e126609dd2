import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

/** A running example server on 127.0.0.1. */
export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Serves a fetch handler on a free port of 127.0.0.1 with @hono/node-server. */
export function serveFetch(fetch: (request: Request) => Response | Promise<Response>): Promise<Served> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise((done) => server.close(() => done())) }),
    );
  });
}

/** The `name=value` of a response's session cookie, for the next request's `Cookie` header. */
export function sessionCookie(response: Response): string | undefined {
  return response.headers
    .getSetCookie()
    .find((line) => line.startsWith('__Host-sid='))
    ?.split(';')[0];
}
