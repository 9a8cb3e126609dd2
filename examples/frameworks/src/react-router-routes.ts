/**
 * A React Router (framework mode) / Remix route module's `loader` and `action` (`app/routes/login.tsx`; in
 * framework mode type them as `Route.LoaderArgs`/`Route.ActionArgs`, which extend these): React Router calls them
 * with the Web `Request` and sends the `Response` they return, so the Web binding's scope fits as is: `open` the
 * request, use the session, return `scope.commit(response)`. A session error (503 outage, 409 conflict, 403
 * CSRF) becomes its own response instead of the error boundary.
 */
import type { SessionContext } from '@sessionkit/http';
import { SessionHttpError, webCsrf, webErrorResponse, webSessions } from '@sessionkit/http';
import type { ActionFunctionArgs, LoaderFunctionArgs } from 'react-router';
import type { AppSession } from './session.js';
import { sessionHttp } from './session.js';

const sessions = webSessions(sessionHttp);
const verifyCsrf = webCsrf();

/** Runs `handle` with the request's session and commits it into the response. */
async function withSession(request: Request, handle: (session: SessionContext<AppSession>) => Promise<Response>) {
  const scope = sessions.open(request);
  try {
    return await scope.commit(await handle(scope.session));
  } catch (error) {
    if (error instanceof SessionHttpError) return scope.commit(webErrorResponse(error, request));
    throw error; // React Router's error boundary
  }
}

/** The signed-in user's name and the CSRF token for the login form. */
export function loader({ request }: LoaderFunctionArgs): Promise<Response> {
  return withSession(request, async (session) =>
    Response.json({ name: (await session.get())?.get('name') ?? null, csrf: session.csrfToken() }),
  );
}

/** Logs the form's `name` in (CSRF-checked) and redirects home with the new session's cookie. */
export function action({ request }: ActionFunctionArgs): Promise<Response> {
  return withSession(request, async (session) => {
    const form = await request.formData().catch(() => undefined); // no form, no token: the check refuses it
    verifyCsrf(request, session, form);
    const name = form?.get('name'); // a real app checks a password here
    if (typeof name !== 'string') return Response.json({ error: 'name is required' }, { status: 400 });
    (await session.regenerate({ userId: name })).set('name', name); // log in: a new ID
    return Response.redirect(new URL('/', request.url), 303); // immutable headers: the commit rebuilds it
  });
}
