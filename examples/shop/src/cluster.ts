#!/usr/bin/env node
/**
 * `npm run cluster -w @sessionkit/example-shop`: three shop instances (ports 3101-3103) behind HAProxy on
 * http://localhost:3100, sharing Redis at 127.0.0.1:16379 (start it with `node services/bin/services.mjs up`).
 *
 * Flags: `--sticky` uses the sticky-cookie config instead of consistent hashing. Environment:
 * `SESSIONKIT_STORE` picks another shared store, `CLUSTER_PORT` the load balancer's port (instances take the
 * next three). Kill an instance (`kill -9 <pid>`, pids are printed) and keep shopping: nobody is logged out.
 *
 * @module
 */
import { DEFAULT_CLUSTER_STORE, startCluster } from './cluster/index.js';
import { parseStoreUrl } from './store-from-url.js';

async function main(): Promise<void> {
  const mode = process.argv.includes('--sticky') ? 'sticky' : 'hash';
  const fromEnv = process.env.SESSIONKIT_STORE;
  const store = fromEnv && parseStoreUrl(fromEnv).kind !== 'memory' ? fromEnv : DEFAULT_CLUSTER_STORE;
  const port = Number(process.env.CLUSTER_PORT ?? 3100);
  console.log(`starting 3 shop instances and HAProxy (${mode} config) on ${store} ...`);
  const cluster = await startCluster({ mode, store, port, echo: true });
  console.log(
    [
      '',
      `SessionKit shop cluster on http://localhost:${port}  (HAProxy, lb/haproxy-${mode}.cfg)`,
      ...cluster.instances.map((i) => `  ${i.name}  ${i.url}  pid ${i.pid}`),
      '  demo users: alice/alice, bob/bob',
      `  operator page (all three instances): ${cluster.instances[0]!.url}/operator, metrics at <instance>/metrics`,
      '  Every page shows which instance served it. Kill that one (kill -9 <pid>) and reload: you stay signed in.',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  for (const instance of cluster.instances) {
    instance.process.once('exit', (code, signal) =>
      console.log(`${instance.name} (pid ${instance.pid}) exited (${signal ?? code}); HAProxy routes around it`),
    );
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping the cluster ...');
    cluster.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
