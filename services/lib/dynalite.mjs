// dynalite: a DynamoDB-compatible server from node_modules, in memory (no --path), tables ready at once.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const HOST = '127.0.0.1';
const PORT = 14567;

export const dynalite = {
  name: 'dynalite',
  install: [],
  servers: [
    {
      name: 'dynalite',
      group: 'dynalite',
      host: HOST,
      port: PORT,
      endpoint: `http://${HOST}:${PORT}`,
      startTimeoutMs: 15_000,
      command: () => ({
        cmd: process.execPath,
        args: [
          join(dirname(createRequire(import.meta.url).resolve('dynalite/package.json')), 'cli.js'),
          '--host',
          HOST,
          '--port',
          String(PORT),
          '--createTableMs',
          '0',
          '--deleteTableMs',
          '0',
          '--updateTableMs',
          '0',
        ],
      }),
      // Any HTTP answer (dynalite replies 400 to a bare GET) means it is serving.
      async healthy() {
        try {
          await fetch(`http://${HOST}:${PORT}/`, { signal: AbortSignal.timeout(3000) });
          return true;
        } catch {
          return false;
        }
      },
    },
  ],
};
