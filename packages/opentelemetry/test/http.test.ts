/**
 * `httpOutcomes()` as the bindings' `onOutcome`: the node:http binding over a real socket and the Web (fetch)
 * binding count `sessionkit.http.requests` by outcome, and, with a request span active, the store spans of the
 * request nest under it. (The http package's own matrix test checks `onOutcome` over every binding.)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, SessionManager } from '@sessionkit/core';
import { withSession, withWebSession } from '@sessionkit/http';
import { describe, expect, it } from 'vitest';
import { ATTR, METRICS } from '../src/index.js';
import { testTelemetry, total, useAsyncHooksContext } from './harness.js';

const SECRET = 'otel-test-secret-0123456789-abcdefghij';
const MINUTE = 60_000;

function setup() {
  const t = testTelemetry();
  const store = t.telemetry.instrumentStore(new MemoryStore());
  const manager = new SessionManager({ store, idleTimeout: 30 * MINUTE, absoluteTimeout: 60 * MINUTE });
  return { t, options: { manager, secrets: [SECRET], onOutcome: t.telemetry.httpOutcomes() } };
}

const outcome = (value: string) => ({ [ATTR.httpOutcome]: value });

describe('httpOutcomes', () => {
  useAsyncHooksContext();

  it('node:http binding: counts no_token, loaded and rejected_token', async () => {
    const { t, options } = setup();
    const server = createServer(
      withSession(async (req, res, session) => {
        if (req.url === '/login') (await session.regenerate({ userId: 'alice' })).set('n', 1);
        else await session.get();
        res.end('ok');
      }, options),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const login = await fetch(`${url}/login`, { method: 'POST' });
      const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
      await (await fetch(`${url}/read`, { headers: { cookie } })).text();
      await (await fetch(`${url}/read`, { headers: { cookie: `${cookie}x` } })).text();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const metrics = await t.metrics();
    expect(total(metrics, METRICS.httpRequests, outcome('no_token'))).toBe(1);
    expect(total(metrics, METRICS.httpRequests, outcome('loaded'))).toBe(1);
    expect(total(metrics, METRICS.httpRequests, outcome('rejected_token'))).toBe(1);
  });

  it('Web binding: counts outcomes, and store spans nest under the request span', async () => {
    const { t, options } = setup();
    const tracer = t.tracerProvider.getTracer('http-server');
    const handler = withWebSession(async (request, session) => {
      if (new URL(request.url).pathname === '/login') (await session.regenerate({ userId: 'alice' })).set('n', 1);
      else await session.get();
      return new Response('ok');
    }, options);
    // What an HTTP server instrumentation does: each request runs inside its own active span.
    const serve = (request: Request) =>
      tracer.startActiveSpan(`${request.method} ${new URL(request.url).pathname}`, async (span) => {
        try {
          return await handler(request);
        } finally {
          span.end();
        }
      });
    const login = await serve(new Request('http://shop.test/login', { method: 'POST' }));
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    await serve(new Request('http://shop.test/read', { headers: { cookie } }));

    const metrics = await t.metrics();
    expect(total(metrics, METRICS.httpRequests, outcome('no_token'))).toBe(1);
    expect(total(metrics, METRICS.httpRequests, outcome('loaded'))).toBe(1);
    const spans = t.spans();
    const read = spans.find((span) => span.name === 'GET /read')!;
    const get = spans.find(
      (span) => span.name === 'get memory' && span.parentSpanContext?.spanId === read.spanContext().spanId,
    );
    expect(get).toBeDefined();
    const loginSpan = spans.find((span) => span.name === 'POST /login')!;
    expect(spans.filter((span) => span.name === 'create memory').map((span) => span.parentSpanContext?.spanId)).toEqual(
      [loginSpan.spanContext().spanId],
    );
  });
});
