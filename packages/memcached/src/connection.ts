/**
 * Sending requests built in `protocol.ts` over memjs's own server connections.
 *
 * memjs's `Client.perform(key, request, seq, cb)` picks the server with its own hash and, with `failover`
 * on, re-routes a key to another server while the first is down; it also re-sends a request after a
 * connection error (`retries`). Both break compare-and-set: a key must live on exactly one server, and a
 * re-sent ADD or CAS SET that was in fact applied the first time reports "exists" the second time. So the
 * store picks the server itself (its consistent-hash ring) and talks to memjs's `Server` objects directly:
 * `onResponse(seq)` / `onError(seq)` / `write(buffer)`, the same calls `perform` makes, without retry or
 * failover. memjs still owns the sockets: it connects lazily, reconnects on the next write after a failure
 * (so a restarted server is used again without any action), and applies its per-request socket timeout.
 *
 * Fail-fast on a refused connection: a `Server` whose connect fails (ECONNREFUSED, unreachable host) calls the
 * error callback of every request waiting on it at once (`Server.error`), and no retry re-sends them, so the
 * store rejects immediately instead of at its deadline. memjs's `conntimeout` only bounds a connect that gets
 * no answer at all (a silent host); the store sets it, and `timeout`, to `operationTimeoutMs`.
 *
 * @module
 */
import type { Client, Server } from 'memjs';
import { toMemcachedError } from './errors.js';

/** A memcached key as text (what the ring hashes) and as the bytes sent on the wire. */
export interface FullKey {
  text: string;
  bytes: Buffer;
}

/** The parts of a binary-protocol response the store uses. */
export interface MemcachedResponse {
  status: number;
  /** The item's CAS (8 bytes) on a successful GET/SET/ADD. */
  cas: Buffer;
  /** The value of a GET hit. */
  value: Buffer;
}

/** One memcached server as seen by the store. */
export class ServerConnection {
  /** `host:port`, the id the ring hashes and error messages show. */
  readonly address: string;
  readonly #client: Client;
  readonly #server: Server;
  readonly #store: string;

  constructor(client: Client, server: Server, store: string) {
    this.#client = client;
    this.#server = server;
    this.#store = store;
    this.address = `${server.host}:${server.port}`;
  }

  /**
   * A fresh opaque (the request id echoed in the response). It comes from the memjs client's own sequence
   * so it never collides with requests memjs itself sends on a shared client; `>>> 0` because memjs keeps
   * the counter as a signed 32-bit number while the wire field (and the lookup of the response) is unsigned.
   */
  nextOpaque(): number {
    this.#client.incrSeq();
    return this.#client.seq >>> 0;
  }

  /**
   * Sends one request built with `opaque` and resolves with the response. Connection errors and memjs's
   * socket timeouts reject with a `StoreUnavailableError` naming this server (`toMemcachedError`); a status
   * other than success is resolved, not rejected, so the caller can branch on it.
   */
  send(operation: string, build: (opaque: number) => Buffer): Promise<MemcachedResponse> {
    const opaque = this.nextOpaque();
    const request = build(opaque);
    return new Promise<MemcachedResponse>((resolve, reject) => {
      const server = this.#server;
      server.onResponse(opaque, (response) => {
        resolve({ status: response.header.status, cas: response.header.cas, value: response.val });
      });
      server.onError(opaque, (error: unknown) => reject(toMemcachedError(this.#store, operation, error, this.address)));
      server.write(request);
    });
  }
}
