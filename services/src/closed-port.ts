/**
 * A loopback port that refuses connections, for tests of a store's start-up against a server that is not there.
 *
 * @module
 */
import { type AddressInfo, createServer } from 'node:net';

/**
 * A loopback (127.0.0.1) TCP port nothing listens on: a server socket is bound to an ephemeral port and closed
 * again, so a connection to it is refused (`ECONNREFUSED`) at once rather than left to time out.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}
