/**
 * A guard against a hazelcast-client (5.6, 5.7) defect that can freeze the whole Node process when the cluster
 * dies: {@link guardClusterViewListener}.
 *
 * @module
 */
import type { Client } from 'hazelcast-client';

/** The part of hazelcast-client's internal ClusterViewListenerService the guard touches. */
interface ClusterViewListenerService {
  tryRegisterToRandomConnection(oldConnection: unknown): void;
}

/**
 * Makes the client re-register its cluster-view listener on the next turn of the event loop instead of in the
 * same tick. Applied to every client the store creates; a no-op on a client without that internal service.
 *
 * The defect (seen in issue 26 when both members were SIGKILLed under load): when the connection that holds
 * the cluster-view listener closes, the client registers the listener on a random other connection. If that
 * connection's socket has already failed a write, its writer rejects every new write on `process.nextTick`
 * while the connection itself stays registered (it is only removed by the socket's `close` event). The
 * rejection handler picks a random connection again, finds the same one, and so on: a `nextTick` loop that
 * never yields to I/O, so the `close` event that would end it never arrives. The process stops serving, its
 * heap fills with rejected invocations and it dies out of memory after a minute or two.
 *
 * Deferring each re-registration with `setImmediate` lets the event loop process the dead socket's `close`
 * in between; the connection is then removed and the next attempt finds a live connection or none (the client
 * registers again when it reconnects). packages/hazelcast/test/cluster-view-guard.test.ts shows the loop on the
 * installed client and the guard ending it.
 */
export function guardClusterViewListener(client: Client): void {
  const service = (client as unknown as { clusterViewListenerService?: Partial<ClusterViewListenerService> })
    .clusterViewListenerService;
  const register = service?.tryRegisterToRandomConnection;
  if (service === undefined || typeof register !== 'function') return;
  service.tryRegisterToRandomConnection = function deferredRegistration(oldConnection: unknown): void {
    setImmediate(() => register.call(service, oldConnection));
  };
}
