import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Harness } from '../helpers.js';

/** Serves a fetch handler over a real socket on 127.0.0.1 (a free port), as `@hono/node-server` does for any Web app. */
export function serveFetch(fetch: (request: Request) => Response | Promise<Response>): Promise<Harness> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** `bytes` in 64 KiB chunks as a Web stream pulled chunk by chunk, so the socket's backpressure reaches it. */
export function bigWebStream(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  return new ReadableStream(
    {
      pull(controller) {
        if (sent >= bytes) return controller.close();
        controller.enqueue(chunk);
        sent += chunk.length;
      },
    },
    { highWaterMark: 0 },
  );
}

/** A Web stream of `a`, then `b` 10 ms later: a response whose body is still being written after its headers. */
export function slowWebStream(): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    async start(controller) {
      controller.enqueue(encoder.encode('a'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      controller.enqueue(encoder.encode('b'));
      controller.close();
    },
  });
}
