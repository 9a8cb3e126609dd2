#!/usr/bin/env node
/**
 * `npm start`: serves the shop on http://localhost:3000 (embedded MemoryStore unless `SESSIONKIT_STORE` says
 * otherwise; see config.ts for every setting) and prints the demo users.
 *
 * @module
 */
import { ConfigurationError } from '@sessionkit/core';
import { StoreUrlError } from '@sessionkit/store-url';
import { ConfigError, loadConfig } from './config.js';
import { startShop } from './server.js';
import { DEMO_ACCOUNTS } from './users.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const shop = await startShop(config);
  // Any other OpenTelemetry instrumentation in this process reports to /metrics as well.
  shop.telemetry?.registerGlobal();
  const { port } = shop.server.address() as { port: number };
  const lines = [
    `SessionKit shop "${config.instance}" on http://localhost:${port}`,
    `  session store: ${shop.store.name} (SESSIONKIT_STORE=${process.env.SESSIONKIT_STORE || 'memory'})`,
    `  demo users: ${DEMO_ACCOUNTS.map((a) => `${a.username}/${a.password}`).join(', ')}`,
  ];
  if (config.generatedSecret && config.store.kind !== 'memory') {
    lines.push('  note: SESSION_SECRET is unset, so this process signs cookies with a random secret: other instances');
    lines.push(
      '        will not accept them and a restart signs everyone out. Set the same SESSION_SECRET everywhere.',
    );
  }
  console.log(lines.join('\n'));

  const stop = (signal: string) => {
    console.log(`[${config.instance}] ${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    shop.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof StoreUrlError) console.error(error.message.replace(/^store URL:/, 'SESSIONKIT_STORE:'));
  // AdapterNotInstalledError among others: the message names the package to install.
  else if (error instanceof ConfigError || error instanceof ConfigurationError) console.error(error.message);
  else console.error('the shop failed to start:', error);
  process.exit(1);
});
