/**
 * Issue 24: the load-balancer configurations are generated from the session cookie's name and the instances'
 * addresses (src/cluster/lb-config.ts). Checked here against the real HAProxy and nginx from Debian:
 * - every generated config passes `haproxy -c` / `nginx -t`, for `sid` and for `__Host-sid`;
 * - routed through each balancer to three small HTTP backends, the `hash` config keys on the configured cookie
 *   name (`__Host-sid`): one value always reaches one backend, values spread, a cookie of another name is not
 *   hashed, and losing a backend moves only the values that hashed to it;
 * - the `sticky` config pins a browser to one backend through its affinity cookie, across session changes;
 * - docs/load-balancing.md shows exactly what the generator prints.
 * The shop itself behind both balancers is cluster-failover.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LbKind } from '../src/cluster/lb-config.js';
import {
  DOCUMENTED_LB_OPTIONS,
  haproxyConfig,
  LB_KINDS,
  LB_MODES,
  lbConfig,
  nginxSite,
} from '../src/cluster/lb-config.js';
import type { RunningLoadBalancer } from '../src/cluster/load-balancer.js';
import { checkLbConfig, startLoadBalancer } from '../src/cluster/load-balancer.js';
import { freePort } from '../src/cluster/ports.js';
import { loadConfig, sessionCookieName } from '../src/config.js';
import { startShop } from '../src/server.js';

const SERVERS = ['127.0.0.1:3101', '127.0.0.1:3102', '127.0.0.1:3103'];

describe('generated load-balancer configs', () => {
  it('follow the shop cookie name: sid over plain HTTP, __Host-sid with COOKIE_SECURE=true', () => {
    expect(sessionCookieName(false)).toBe('sid');
    expect(sessionCookieName(true)).toBe('__Host-sid');
    const options = { mode: 'hash', cookieName: '__Host-sid', listen: '127.0.0.1:3100', servers: SERVERS } as const;
    expect(haproxyConfig(options)).toContain('balance hash req.cook(__Host-sid)');
    expect(nginxSite(options)).toContain('"~(?:^|;)\\s*__Host-sid=(?<shop_sid>[^;]*)" $shop_sid;');
    expect(haproxyConfig({ ...options, cookieName: 'connect.sid' })).toContain('req.cook(connect.sid)');
    expect(nginxSite({ ...options, cookieName: 'connect.sid' })).toContain('connect\\.sid=');
  });

  it.each([false, true])('the shop with COOKIE_SECURE=%s sets the cookie sessionCookieName() names', async (secure) => {
    const shop = await startShop(loadConfig({ PORT: '0', COOKIE_SECURE: String(secure), OPERATOR_ENDPOINTS: 'false' }));
    try {
      const response = await fetch(new URL('/login', shop.url));
      await response.text();
      const names = response.headers.getSetCookie().map((c) => c.split('=')[0]);
      expect(names).toEqual([sessionCookieName(secure)]);
    } finally {
      await shop.close();
    }
  });

  it.each([
    ['a cookie name with a space', { cookieName: 'my sid' }, /cookieName "my sid"/],
    ['a cookie name with a quote', { cookieName: 'sid"' }, /cookieName/],
    ['the same affinity and session cookie', { affinityCookie: 'sid' }, /must differ/],
    ['no server', { servers: [] }, /at least one server/],
    ['an address without a port', { servers: ['127.0.0.1'] }, /not a host:port/],
  ])('refuse %s', (_what, change, message) => {
    const options = { mode: 'hash' as const, cookieName: 'sid', listen: '*:80', servers: SERVERS, ...change };
    for (const kind of LB_KINDS) expect(() => lbConfig(kind, options)).toThrow(message);
  });

  for (const kind of LB_KINDS) {
    it.each(LB_MODES.flatMap((mode) => ['sid', '__Host-sid'].map((cookieName) => [mode, cookieName] as const)))(
      `${kind === 'haproxy' ? 'haproxy -c' : 'nginx -t'} accepts the %s config for cookie %s`,
      (mode, cookieName) => {
        expect(() =>
          checkLbConfig(kind, { mode, cookieName, listen: '127.0.0.1:3100', servers: SERVERS }),
        ).not.toThrow();
      },
    );
  }

  it('docs/load-balancing.md shows the configs exactly as generated', () => {
    const doc = readFileSync(new URL('../../../docs/load-balancing.md', import.meta.url), 'utf8');
    for (const kind of LB_KINDS) {
      for (const mode of LB_MODES) {
        const config = lbConfig(kind, { ...DOCUMENTED_LB_OPTIONS, mode });
        expect(doc, `${kind} ${mode}`).toContain(`\`\`\`${kind}\n${config}\`\`\``);
      }
    }
  });
});

/** Three HTTP backends answering their own name (and 200 on /healthz, for HAProxy's checks). */
async function startBackends(): Promise<{ names: Map<string, string>; servers: Server[]; addresses: string[] }> {
  const servers: Server[] = [];
  const addresses: string[] = [];
  const names = new Map<string, string>();
  for (let i = 1; i <= 3; i++) {
    const name = `backend-${i}`;
    const server = createServer((_req, res) => {
      res.setHeader('x-backend', name);
      res.end(name);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    servers.push(server);
    addresses.push(`127.0.0.1:${port}`);
    names.set(name, `127.0.0.1:${port}`);
  }
  return { names, servers, addresses };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Which backend answered a GET with this Cookie header (and the response's Set-Cookie headers). */
async function backendFor(url: string, cookie?: string): Promise<{ backend: string; setCookie: string[] }> {
  const response = await fetch(`${url}/page`, {
    headers: cookie ? { cookie } : {},
    signal: AbortSignal.timeout(5000),
  });
  const backend = await response.text();
  expect(response.status).toBe(200);
  return { backend, setCookie: response.headers.getSetCookie() };
}

describe.each<LbKind>([...LB_KINDS])('%s with a generated config routes on the configured cookie', (kind) => {
  let backends: Awaited<ReturnType<typeof startBackends>>;
  const running: RunningLoadBalancer[] = [];

  beforeAll(async () => {
    backends = await startBackends();
  });

  afterAll(async () => {
    for (const lb of running) await lb.stop();
    for (const lb of running) expect(lb.running).toBe(false);
    await Promise.all((backends?.servers ?? []).filter((s) => s.listening).map(closeServer));
  });

  const start = async (mode: 'hash' | 'sticky'): Promise<RunningLoadBalancer> => {
    const lb = await startLoadBalancer({
      kind,
      mode,
      cookieName: '__Host-sid',
      port: await freePort(),
      servers: backends.addresses,
    });
    running.push(lb);
    return lb;
  };

  it('sticky: the affinity cookie pins a browser to one backend, whatever its session cookie', async () => {
    const lb = await start('sticky');
    const seen = new Set<string>();
    for (let visitor = 0; visitor < 12; visitor++) {
      const first = await backendFor(lb.url);
      const affinity = first.setCookie.find((c) => c.startsWith('SHOPSRV='));
      expect(affinity, 'the first response sets the affinity cookie').toBeDefined();
      const pair = affinity!.split(';')[0]!;
      // Later requests carry the affinity cookie; the session cookie changes (login regenerates it).
      for (let i = 0; i < 3; i++) {
        const next = await backendFor(lb.url, `${pair}; __Host-sid=s${visitor}-${i}`);
        expect(next.backend).toBe(first.backend);
        expect(
          next.setCookie.some((c) => c.startsWith('SHOPSRV=')),
          'no new affinity cookie',
        ).toBe(false);
      }
      seen.add(first.backend);
    }
    expect(seen.size, 'new visitors are spread').toBeGreaterThan(1);
    await lb.stop();
  });

  it('hash: one __Host-sid value, one backend; values spread; another cookie name is not hashed; a lost backend moves only its values', async () => {
    const lb = await start('hash');
    const values = Array.from({ length: 24 }, (_, i) => `v${i}.signature${i}`);
    const placed = new Map<string, string>();
    for (const value of values) {
      const cookie = `theme=dark; __Host-sid=${value}; other=1`;
      const { backend } = await backendFor(lb.url, cookie);
      for (let i = 0; i < 2; i++) expect((await backendFor(lb.url, cookie)).backend).toBe(backend);
      placed.set(value, backend);
    }
    const used = new Set(placed.values());
    expect(used.size, 'values spread over the backends').toBeGreaterThan(1);

    // A cookie that only resembles the configured name is not the hash key: requests go round-robin.
    const unhashed = new Set<string>();
    for (let i = 0; i < 6; i++) unhashed.add((await backendFor(lb.url, `sid=${values[0]}`)).backend);
    expect(unhashed.size, 'a "sid" cookie is ignored when the config names __Host-sid').toBeGreaterThan(1);

    // Lose the backend of the first value: its values move to the others, consistently; no other value moves.
    const lost = placed.get(values[0]!)!;
    const index = [...backends.names.keys()].indexOf(lost);
    await closeServer(backends.servers[index]!);
    for (const value of values) {
      const cookie = `__Host-sid=${value}`;
      const { backend } = await backendFor(lb.url, cookie);
      if (placed.get(value) === lost) {
        expect(backend).not.toBe(lost);
        expect((await backendFor(lb.url, cookie)).backend).toBe(backend);
      } else {
        expect(backend, `value ${value} stays on its backend`).toBe(placed.get(value));
      }
    }
    await lb.stop();
    expect(lb.running).toBe(false);
  });
});
