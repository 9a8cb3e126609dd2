/**
 * Free TCP ports and readiness polling for the processes the cluster demo and the tests start.
 *
 * @module
 */
import { createServer } from 'node:net';

/** A port that was free a moment ago on `host` (the OS picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until it answers 200, or rejects after `timeoutMs` with the reason of the last failure.
 * `alive` is checked between attempts so a process that died is reported at once.
 */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  alive: () => string | undefined = () => undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const dead = alive();
    if (dead !== undefined) throw new Error(`${url}: ${dead}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
