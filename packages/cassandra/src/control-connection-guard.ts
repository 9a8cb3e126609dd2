/**
 * A guard against a cassandra-driver (4.x) race that can crash the whole Node process while a node restarts:
 * {@link guardControlConnectionRefresh}.
 *
 * @module
 */
import type cassandra from 'cassandra-driver';

/** The part of cassandra-driver's internal ControlConnection the guard touches. */
interface ControlConnection {
  _refresh(hostIterator?: unknown): Promise<void>;
  _isShuttingDown?: boolean;
}

/**
 * Runs the client's control-connection refreshes one at a time, and retries one that failed outside the
 * driver's own retry, after `retryDelayMs`. Applied to every client the store creates; a no-op on a client
 * without that internal method.
 *
 * The defect (seen in issue 26's soak: the Cassandra node SIGKILLed under load and restarted, 1 trial in 11):
 * a refresh sets the control connection's `host` to `null`, connects, then awaits the topology queries before
 * it registers its health listeners on `host`. A refresh started meanwhile (by the health listeners of the
 * connection just made, when the restarted node closes it, or by the reconnection timer) resets `host` to
 * `null` again and, with no pooled connection left, awaits new connections to the contact points. The first
 * refresh then resumes and calls `host.once(...)` on `null`: a TypeError, rejected from a promise that the
 * timer's callback drops, so Node ends the process (unhandled rejection), and the application with it.
 *
 * With the guard, a refresh asked for while one runs is run once after it (what the driver meant to do, in
 * order), and a refresh that fails all the same is retried after `retryDelayMs` instead of leaving the
 * control connection without health listeners. The driver's own retry within one refresh (the call with a
 * host iterator) goes straight through. packages/cassandra/test/control-connection-guard.test.ts checks each.
 */
export function guardControlConnectionRefresh(client: cassandra.Client, retryDelayMs: number): void {
  const control = (client as unknown as { controlConnection?: Partial<ControlConnection> }).controlConnection;
  const refresh = control?._refresh;
  if (control === undefined || typeof refresh !== 'function') return;
  let running: Promise<void> | undefined;
  let requested = false;

  const start = (): Promise<void> => {
    running = refresh
      .call(control)
      .catch(() => {
        // The driver logged what it could; a refresh that threw has registered no health listeners, so
        // nothing would ever refresh the control connection again: try again, as its own failures do.
        if (!control._isShuttingDown) setTimeout(() => void serialized(), retryDelayMs).unref();
      })
      .finally(() => {
        running = undefined;
        if (requested && !control._isShuttingDown) {
          requested = false;
          void serialized();
        }
      });
    return running;
  };

  const serialized = (hostIterator?: unknown): Promise<void> => {
    if (hostIterator !== undefined) return refresh.call(control, hostIterator);
    if (running !== undefined) {
      requested = true;
      return running;
    }
    return start();
  };
  control._refresh = serialized;
}
