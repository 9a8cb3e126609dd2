import type { SessionContext } from '../../src/index.js';
import { webCsrf, withWebSession } from '../../src/index.js';
import type { Binding, Data } from '../helpers.js';
import { BIG_BYTES, routes } from '../helpers.js';
import { bigWebStream, serveFetch, slowWebStream } from './serve.js';

/** The shared routes plus `/stream` and `/big`, as one fetch-style handler of the Web binding. */
async function handle(request: Request, session: SessionContext<Data>): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/stream') {
    (await session.session()).set('streamed', true);
    return new Response(slowWebStream(), { headers: { 'content-type': 'text/plain' } });
  }
  if (url.pathname === '/big') {
    (await session.session()).set('big', true);
    return new Response(bigWebStream(BIG_BYTES), { headers: { 'content-type': 'application/octet-stream' } });
  }
  const route = routes[url.pathname];
  if (!route) return new Response(null, { status: 404 });
  return Response.json(await route(session, url.searchParams));
}

/** A request's parsed body: `FormData` for a form, the object for JSON, else `undefined`. */
async function readBody(request: Request): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) return request.formData();
  if (type.startsWith('application/json')) return request.json();
  return undefined;
}

/** `withWebSession` around the routes, served by `@hono/node-server`. */
export const webBinding: Binding = {
  name: 'web',
  async start(options, csrf) {
    const verifyCsrf = csrf && webCsrf(csrf);
    return serveFetch(
      withWebSession<Data>(
        async (request, session) => {
          if (verifyCsrf) verifyCsrf(request, session, await readBody(request));
          return handle(request, session);
        },
        { onError: () => {}, ...options },
      ),
    );
  },
};
