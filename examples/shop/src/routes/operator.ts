/**
 * The operator endpoints, mounted before the session middleware (they read no session and need no login; the
 * `OPERATOR_ENDPOINTS` setting turns them off): `GET /metrics` (Prometheus text), `GET /operator` (live
 * charts), `GET /operator/data` (the charts' JSON) and `GET /operator.js` (the page's script).
 *
 * @module
 */
import type { Request, Response } from 'express';
import { Router } from 'express';
import type { OperatorPeer } from '../config.js';
import { OperatorFeed } from '../operator/feed.js';
import type { ShopDeps } from '../request.js';
import { bareContext, sendPage } from '../request.js';
import type { ShopTelemetry } from '../telemetry.js';
import { operatorPage } from '../views/operator.js';
import { OPERATOR_SCRIPT } from '../views/operator-script.js';

/** The operator page's CSP: the shop's, plus its own script and its polls of `/operator/data`. */
const OPERATOR_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** This instance's base URL as seen on the request's socket (the address it listens on, never a proxy's). */
function selfUrl(req: Request): string {
  const address = req.socket.localAddress ?? '127.0.0.1';
  return `http://${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort}`;
}

/** The operator routes for an app whose metrics `telemetry` collects; `peers` are shown next to this instance. */
export function operatorRoutes(deps: ShopDeps, telemetry: ShopTelemetry, peers: readonly OperatorPeer[]): Router {
  const router = Router();
  const feed = new OperatorFeed({ self: deps.instance, peers });

  router.get('/metrics', telemetry.serveMetrics);

  router.get('/operator', (_req: Request, res: Response) => {
    res.set({ 'Content-Security-Policy': OPERATOR_CSP, 'Cache-Control': 'no-store' });
    sendPage(res, operatorPage(bareContext(deps), [deps.instance, ...peers.map((p) => p.name)]));
  });

  router.get('/operator/data', async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json(await feed.data(selfUrl(req)));
  });

  router.get('/operator.js', (_req: Request, res: Response) => {
    res.set('Cache-Control', 'public, max-age=300').type('js').send(OPERATOR_SCRIPT);
  });

  return router;
}
