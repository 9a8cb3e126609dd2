#!/usr/bin/env node
// SessionKit test servers: install, start, inspect and stop the real servers the test suites use.
// Usage: node services/bin/services.mjs <install|up|down|status|start|stop|kill|restart> [names...]
// See services/README.md for ports, names and environment variables.
import { explain, knownNames, ServerError, status, stop, up } from '../lib/control.mjs';
import { ensureApt, ensureMaven, javaBin } from '../lib/install.mjs';
import { withLock } from '../lib/process.mjs';

const USAGE = `usage: services.mjs <command> [names...]
  install              install redis-server/memcached (apt) and the Cassandra/Hazelcast jars (Maven)
  up [names...]        install if needed, start what is not running, wait until healthy
  down [names...]      stop (everything by default)
  status [--json]      name, endpoint, pid, state, RSS of every server
  start NAME...        same as up NAME...
  stop NAME...         SIGTERM (SIGKILL after 15 s)
  kill NAME...         SIGKILL
  restart NAME...      stop, then start and wait until healthy
names: ${knownNames().join(', ')}`;

function table(rows, columns) {
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? '-')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals) =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return `${[line(columns), ...cells.map(line)].join('\n')}\n`;
}

async function runUp(names) {
  const t0 = Date.now();
  const { selection, results, failures } = await up(names);
  const rows = (await status(selection.flatMap((s) => s.servers.map((srv) => srv.name)))).map((row) => {
    const r = results.get(row.name);
    return { ...row, result: r ? `${r.state} ${(r.ms / 1000).toFixed(1)}s` : 'failed' };
  });
  process.stdout.write(table(rows, ['name', 'endpoint', 'pid', 'state', 'result']));
  for (const err of failures) explain(err);
  process.stdout.write(
    `[services] up: ${failures.length ? `${failures.length} FAILED` : 'all healthy'} in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`,
  );
  return failures.length ? 1 : 0;
}

async function main([command, ...args]) {
  switch (command) {
    case 'install':
      await Promise.all([ensureApt(), ensureMaven(), javaBin()]);
      return 0;
    case 'up':
    case 'start':
      if (command === 'start' && args.length === 0) throw new Error('start needs a name');
      return runUp(args);
    case 'down':
    case 'stop':
    case 'kill': {
      if (command !== 'down' && args.length === 0) throw new Error(`${command} needs a name`);
      const done = await stop(args, { signal: command === 'kill' ? 'SIGKILL' : 'SIGTERM' });
      process.stdout.write(`[services] ${command}: ${done.length ? done.join(', ') : 'nothing was running'}\n`);
      return 0;
    }
    case 'restart':
      if (args.length === 0) throw new Error('restart needs a name');
      await stop(args);
      return runUp(args);
    case 'status': {
      const json = args.includes('--json');
      const rows = await status(args.filter((a) => a !== '--json'));
      if (json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else
        process.stdout.write(
          table(
            rows.map((r) => ({ ...r, rss: r.rssMiB === undefined ? '-' : `${r.rssMiB} MiB` })),
            ['name', 'endpoint', 'pid', 'state', 'rss'],
          ),
        );
      return 0;
    }
    default:
      process.stderr.write(`${USAGE}\n`);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

// Everything but `status` changes servers, so it runs under the services lock.
const argv = process.argv.slice(2);
(argv[0] === 'status' ? main(argv) : withLock(() => main(argv))).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ServerError) explain(err);
    else process.stderr.write(`[services] ${err.message}\n`);
    process.exit(1);
  },
);
