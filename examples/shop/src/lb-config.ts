#!/usr/bin/env node
/**
 * `node examples/shop/dist/lb-config.js`: prints (or writes) a load-balancer configuration for the shop,
 * generated from the session cookie's name and the instances' addresses by cluster/lb-config.ts, the same
 * code the cluster demo and its browser tests run. `--help` lists the flags.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { LbKind, LbMode } from './cluster/lb-config.js';
import {
  DEFAULT_AFFINITY_COOKIE,
  LB_KINDS,
  LB_MODES,
  lbConfig,
  nginxSite,
  nginxStandalone,
} from './cluster/lb-config.js';
import { sessionCookieName } from './config.js';

const USAGE = `Usage: node examples/shop/dist/lb-config.js [flags]

  --lb haproxy|nginx        the load balancer (default haproxy)
  --mode hash|sticky        consistent hash on the session cookie (default), or affinity cookie
  --secure-cookie           the instances run with COOKIE_SECURE=true: the cookie is __Host-sid
                            (default: COOKIE_SECURE from the environment, else false: sid)
  --cookie NAME             the session cookie's name, if the app is not the demo shop
  --affinity-cookie NAME    the sticky mode's cookie (default ${DEFAULT_AFFINITY_COOKIE})
  --listen HOST:PORT        where the balancer listens (default 127.0.0.1:3100; *:PORT for every address)
  --server HOST:PORT        a shop instance; repeat it (default 127.0.0.1:3101 .. 3103)
  --standalone DIR          nginx only: a whole nginx.conf running in the foreground, files under DIR
  --out FILE                write the configuration to FILE instead of stdout

HAProxy: haproxy -f FILE. nginx: put the output in /etc/nginx/conf.d/ (it is http-level), or with
--standalone DIR save it as DIR/nginx.conf and run nginx -p DIR/ -c DIR/nginx.conf -e stderr.
`;

function main(): void {
  const { values } = parseArgs({
    options: {
      lb: { type: 'string', default: 'haproxy' },
      mode: { type: 'string', default: 'hash' },
      'secure-cookie': { type: 'boolean' },
      cookie: { type: 'string' },
      'affinity-cookie': { type: 'string' },
      listen: { type: 'string', default: '127.0.0.1:3100' },
      server: { type: 'string', multiple: true },
      standalone: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const kind = values.lb as LbKind;
  const mode = values.mode as LbMode;
  if (!LB_KINDS.includes(kind)) throw new Error(`--lb must be one of ${LB_KINDS.join(', ')}`);
  if (!LB_MODES.includes(mode)) throw new Error(`--mode must be one of ${LB_MODES.join(', ')}`);
  if (values.standalone !== undefined && kind !== 'nginx') throw new Error('--standalone applies to nginx only');
  const secure = values['secure-cookie'] ?? (process.env.COOKIE_SECURE ?? '').toLowerCase() === 'true';
  const options = {
    mode,
    cookieName: values.cookie ?? sessionCookieName(secure),
    listen: values.listen,
    servers: values.server ?? ['127.0.0.1:3101', '127.0.0.1:3102', '127.0.0.1:3103'],
    ...(values['affinity-cookie'] ? { affinityCookie: values['affinity-cookie'] } : {}),
  };
  const text =
    values.standalone !== undefined ? nginxStandalone(nginxSite(options), values.standalone) : lbConfig(kind, options);
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
