/**
 * The contract between the HTTP benchmark's server child process (`http-server-child.ts`) and each framework's
 * server module (`src/frameworks/<framework>.ts`), and the listening step most of them share.
 *
 * @module
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Variant } from './http-sides.js';

/** A running benchmark server, as a framework module's `serve` returns it. */
export interface BenchServer {
  port: number;
  /** Stops accepting connections, then closes the session store's connections. */
  close(): Promise<void>;
}

/** What each `src/frameworks/<framework>.ts` exports. */
export interface FrameworkModule {
  /** Starts the `variant` server on 127.0.0.1 (a free port), with Redis keys under `prefix`. */
  serve(variant: Variant, prefix: string): Promise<BenchServer>;
}

/**
 * A {@link BenchServer} for a `node:http` server that is listening or about to: resolves once it listens;
 * its `close` closes the server, then calls `closeStore`.
 */
export async function benchServer(server: Server, closeStore: () => Promise<void>): Promise<BenchServer> {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(closeStore),
  };
}
