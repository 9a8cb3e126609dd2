/**
 * Test helpers: the real servers and a tiny raw client speaking memcached's text meta commands, used to look
 * at what really sits on a server without going through the adapter (or through memjs).
 */
import { connect } from 'node:net';
import { endpoints } from '@sessionkit/test-servers';

/** The three test servers (`SESSIONKIT_MEMCACHED_SERVERS` overrides them). */
export const servers: string[] = endpoints.memcached.servers;
/** Whether the servers are ours to stop and restart. */
export const serversAreOurs = !endpoints.memcached.external;

/** Sends one text-protocol line to `address` and resolves the first response line. */
export function rawCommand(address: string, line: string, payload?: Buffer): Promise<string> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host);
    let buffer = '';
    socket.setTimeout(2000, () => {
      socket.destroy();
      reject(new Error(`raw ${line}: timeout`));
    });
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      const end = buffer.indexOf('\r\n');
      if (end >= 0) {
        socket.end();
        resolve(buffer.slice(0, end));
      }
    });
    socket.write(`${line}\r\n`);
    if (payload) socket.write(Buffer.concat([payload, Buffer.from('\r\n')]));
  });
}

/**
 * Meta-get with the `t` flag: `HD t<seconds>` (`-1` = no expiry) or `EN` for a miss. Returns the remaining
 * TTL in whole seconds as memcached reports it, `-1` for none, or `null` when the key is absent.
 */
export async function rawTtlSeconds(address: string, fullKey: string): Promise<number | null> {
  const line = await rawCommand(address, `mg ${fullKey} t`);
  if (line.startsWith('EN')) return null;
  const m = /\bt(-?\d+)/.exec(line);
  if (!line.startsWith('HD') || !m) throw new Error(`unexpected mg answer: ${line}`);
  return Number(m[1]);
}

/** Writes raw bytes under `fullKey` (bypassing the adapter), with a TTL in seconds. */
export async function rawSet(address: string, fullKey: string, value: Buffer, ttlSeconds = 600): Promise<void> {
  const line = await rawCommand(address, `set ${fullKey} 0 ${ttlSeconds} ${value.length}`, value);
  if (line !== 'STORED') throw new Error(`raw set failed: ${line}`);
}

/** Deletes `fullKey` directly on `address` (an "eviction"). */
export async function rawDelete(address: string, fullKey: string): Promise<void> {
  await rawCommand(address, `delete ${fullKey}`);
}

/** A small record for tests. */
export function rec(options: { version?: number; expiresAt?: number; userId?: string; data?: Uint8Array } = {}) {
  const r: { data: Uint8Array; version: number; expiresAt: number; userId?: string } = {
    data: options.data ?? new Uint8Array([1, 2, 3]),
    version: options.version ?? 1,
    expiresAt: options.expiresAt ?? Date.now() + 10 * 60_000,
  };
  if (options.userId !== undefined) r.userId = options.userId;
  return r;
}
