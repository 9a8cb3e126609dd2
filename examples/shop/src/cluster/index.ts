/**
 * A three-instance shop cluster behind HAProxy or nginx on a shared session store: what `npm run cluster`
 * runs and what the browser tests start (on free ports). The balancer's configuration is generated from the
 * instances' session cookie name and addresses (lb-config.ts).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { parseStoreUrl } from '@sessionkit/store-url';
import { sessionCookieName } from '../config.js';
import type { ShopInstance } from './instance.js';
import { startInstance } from './instance.js';
import type { LbKind, LbMode } from './lb-config.js';
import type { RunningLoadBalancer } from './load-balancer.js';
import { lbBinary, startLoadBalancer } from './load-balancer.js';
import { freePort } from './ports.js';

export type { ShopInstance } from './instance.js';
export type { LbKind, LbMode } from './lb-config.js';
export type { RunningLoadBalancer } from './load-balancer.js';

/** The cluster's default store: the Redis that `node services/bin/services.mjs up` starts. */
export const DEFAULT_CLUSTER_STORE = 'redis://127.0.0.1:16379';

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** The load balancer: `'haproxy'` (default) or `'nginx'`. */
  lb?: LbKind;
  /** Load-balancer config: consistent hash on the session cookie (default) or sticky cookie. */
  mode?: LbMode;
  /** A shared `SESSIONKIT_STORE` (memory is refused: it is per process). Default {@link DEFAULT_CLUSTER_STORE}. */
  store?: string;
  /** The load balancer's port; 0 (default) picks a free one. The instances get the next three ports, or free ones. */
  port?: number;
  /** Echo the children's output with prefixes (the CLI does). */
  echo?: boolean;
}

/** A running cluster. */
export interface RunningCluster {
  /** The load balancer's URL. */
  url: string;
  mode: LbMode;
  /** The session cookie the instances set (and the `hash` config keys on). */
  cookieName: string;
  instances: ShopInstance[];
  /** The load balancer (its process, its generated config). */
  lb: RunningLoadBalancer;
  /** The instance with this `INSTANCE_NAME`. */
  instance(name: string): ShopInstance;
  /** Stops the load balancer and every instance still running. */
  stop(): Promise<void>;
}

/** Starts three shop instances (shop-1..shop-3, one shared secret) and HAProxy or nginx in front of them. */
export async function startCluster(options: ClusterOptions = {}): Promise<RunningCluster> {
  const kind = options.lb ?? 'haproxy';
  const mode = options.mode ?? 'hash';
  const store = options.store ?? DEFAULT_CLUSTER_STORE;
  if (parseStoreUrl(store).kind === 'memory') {
    throw new Error(
      'the cluster needs a shared session store: memory is per process (use e.g. redis://127.0.0.1:16379)',
    );
  }
  lbBinary(kind); // fail before starting anything if the balancer is missing
  // The instances run plain HTTP (no COOKIE_SECURE), so their cookie is `sid`; the config follows it.
  const cookieName = sessionCookieName(false);
  const lbPort = options.port || (await freePort());
  const ports = options.port
    ? [lbPort + 1, lbPort + 2, lbPort + 3]
    : [await freePort(), await freePort(), await freePort()];
  const secret = randomBytes(32).toString('base64url');
  const started: ShopInstance[] = [];
  let balancer: RunningLoadBalancer | undefined;
  try {
    // Each instance's operator page shows the other two as well.
    const members = ports.map((port, i) => ({ name: `shop-${i + 1}`, port, url: `http://127.0.0.1:${port}` }));
    // Sequentially: a shared store that is down shows up once, not three times.
    for (const { name, port } of members) {
      const peers = members.filter((m) => m.name !== name);
      started.push(await startInstance({ name, port, store, secret, peers, echo: options.echo ?? false }));
    }
    balancer = await startLoadBalancer({
      kind,
      mode,
      cookieName,
      port: lbPort,
      servers: ports.map((p) => `127.0.0.1:${p}`),
      echo: options.echo ?? false,
    });
  } catch (error) {
    await Promise.all(started.map((i) => i.kill('SIGTERM')));
    throw error;
  }
  const lb = balancer;
  return {
    url: lb.url,
    mode,
    cookieName,
    instances: started,
    lb,
    instance(name: string) {
      const found = started.find((i) => i.name === name);
      if (!found) throw new Error(`no instance named "${name}"`);
      return found;
    },
    async stop() {
      await lb.stop();
      await Promise.all(started.map((i) => i.kill('SIGTERM')));
    },
  };
}
