import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeNextRequest, NodeNextResponse } from 'next/dist/server/base-http/node';
import type { RouteKind } from 'next/dist/server/route-kind';
import { AppRouteRouteModule } from 'next/dist/server/route-modules/app-route/module.compiled';
import type { AppRouteHandlers } from 'next/dist/server/route-modules/app-route/module.js';
import { sendResponse } from 'next/dist/server/send-response';
import { NextRequestAdapter, signalFromNodeResponse } from 'next/dist/server/web/spec-extension/adapters/next-request';
import type { Served } from './serve.js';

/**
 * Serves a route module (`app/<pathname>/route.ts`) on 127.0.0.1 through Next's own route-handler runtime, as
 * `next start` does once it has matched the path: Next's Node request wrapped into a `NextRequest`,
 * `AppRouteRouteModule.handle` (method dispatch, 405 for a missing method, Next's async storage around the
 * handler) and Next's `sendResponse`. It spares the test a `next build`, which needs a whole app (`app/`, a
 * layout, `next.config`, a build directory); these are Next internals, pinned by the installed `next` version.
 */
export function serveNextRoute(pathname: string, handlers: AppRouteHandlers): Promise<Served> {
  const page = `${pathname}/route`;
  const module = new AppRouteRouteModule({
    definition: {
      kind: 'APP_ROUTE' as RouteKind.APP_ROUTE,
      page,
      pathname,
      filename: 'route',
      bundlePath: `app${page}`,
    },
    distDir: '.next',
    relativeProjectDir: '',
    resolvedPagePath: `app${page}.ts`,
    nextConfigOutput: undefined,
    userland: () => ({ ...handlers, generateStaticParams: undefined }),
  });
  // The part of the per-request context `next start` passes that a dynamic route handler reads.
  const context = {
    previewProps: { previewModeId: '', previewModeEncryptionKey: '', previewModeSigningKey: '' },
    renderOpts: { experimental: {}, cacheComponents: false, isDraftMode: false, onClose: () => {} },
    sharedContext: { buildId: 'test', deploymentId: '' },
  } as unknown as Parameters<AppRouteRouteModule['handle']>[1];
  const server = createServer(async (req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== pathname) return void res.writeHead(404).end();
    const [request, response] = [new NodeNextRequest(req), new NodeNextResponse(res)];
    const nextRequest = NextRequestAdapter.fromNodeNextRequest(request, signalFromNodeResponse(res));
    await sendResponse(request, response, await module.handle(nextRequest, context));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}
