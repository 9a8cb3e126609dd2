/**
 * Fails fast when no member of the cluster accepts a TCP connection.
 *
 * Quirk (hazelcast-client 5.6): while it starts, the client swallows the socket error of every connection
 * attempt (it only logs it as text) and retries until `clusterConnectTimeoutMillis`, then gives up with an
 * `IllegalStateError` that has no cause. Members on a closed port would so hold every caller until its
 * deadline and hide why. Before it creates a client, the store therefore opens one plain TCP connection to
 * each member address (the client's own first step): if every address fails at the socket, that socket error
 * is thrown at once; as soon as one accepts, or when one stays silent (a slow or filtered host), the client is
 * created and handles the rest as before.
 *
 * @module
 */
import { connect } from 'node:net';
import { connectionErrorCode } from '@sessionkit/core';

/** Ports the client tries, in order, for a member given without one (Hazelcast's default port range). */
const DEFAULT_PORTS = [5701, 5702, 5703];

/**
 * How long a probe waits for an answer. A refusal comes back within one round trip; a longer silence is left
 * to the client's own connection timeout and retries.
 */
const PROBE_TIMEOUT_MS = 1_000;

/** A socket address to probe. */
interface ProbeAddress {
  host: string;
  port: number;
}

/**
 * The addresses the client tries for a member string, read as hazelcast-client reads it: `host:port`,
 * `[ipv6]:port`, or a bare host or IPv6 address (then the default ports).
 */
export function memberAddresses(member: string): ProbeAddress[] {
  const withPort = /^\[(.+)\]:(\d+)$/.exec(member) ?? /^([^:]+):(\d+)$/.exec(member);
  if (withPort !== null) return [{ host: withPort[1] as string, port: Number(withPort[2]) }];
  const host = member.startsWith('[') && member.endsWith(']') ? member.slice(1, -1) : member;
  return DEFAULT_PORTS.map((port) => ({ host, port }));
}

/** Resolves once `address` accepts a connection or stays silent; rejects with its socket-level error. */
function probe({ host, port }: ProbeAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
    const settle = (error?: Error) => {
      socket.destroy();
      if (error !== undefined && connectionErrorCode(error) !== undefined) reject(error);
      else resolve();
    };
    socket.once('connect', () => settle());
    socket.once('timeout', () => settle());
    socket.once('error', settle);
  });
}

/**
 * Resolves at the first address of `members` that accepts a TCP connection (or stays silent); rejects with
 * the socket error of the first address (e.g. `ECONNREFUSED`) when every address failed at the socket.
 */
export async function assertSomeMemberListens(members: readonly string[]): Promise<void> {
  try {
    await Promise.any(members.flatMap(memberAddresses).map(probe));
  } catch (error) {
    throw (error as AggregateError).errors[0];
  }
}
