/**
 * The child process of one HTTP benchmark server, forked by `openSide` (`http-sides.ts`) with an IPC channel and
 * the arguments `<framework> <variant> <key prefix>`: starts `src/frameworks/<framework>.ts`'s server for that
 * variant on a free loopback port, sends `{ port }` to the parent, and on the message `stop` closes the server
 * and its store, then exits. It exits at once if the parent goes away.
 *
 * @module
 */
import type { FrameworkModule } from './bench-server.js';
import type { Framework, Variant } from './http-sides.js';

const [framework, variant, prefix] = process.argv.slice(2) as [Framework, Variant, string];
const { serve } = (await import(`../frameworks/${framework}.js`)) as FrameworkModule;
const server = await serve(variant, prefix);
process.on('disconnect', () => process.exit(1)); // the parent died: do not linger
process.on('message', (message) => {
  if (message === 'stop') void server.close().finally(() => process.exit(0));
});
process.send?.({ port: server.port });
