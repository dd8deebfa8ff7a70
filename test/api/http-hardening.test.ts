import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@callplane/server';
import { startTestApp, type TestApp } from '../support/app.js';

/** Every log line the server writes, parsed. */
const lines: { level: number; msg: string; code?: string }[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    done();
  },
});

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ dashboard: true, corsOrigins: ['https://console.example.com'], log: createLogger('debug', sink) });
});
afterAll(() => t?.stop());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.url}${path}`, { headers });

describe('HTTP hardening', () => {
  it('CORS allows only the configured origins, never an arbitrary or null Origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
    for (const origin of ['https://evil.example', 'null']) {
      // the browser is told the one origin that is allowed, never this one, nor a wildcard
      const res = await preflight(origin);
      expect([null, 'https://console.example.com'], origin).toContain(res.headers.get('access-control-allow-origin'));
      const post = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      expect([null, 'https://console.example.com'], origin).toContain(post.headers.get('access-control-allow-origin'));
    }
    const allowed = await preflight('https://console.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
  });

  it('security headers: nosniff and no framing everywhere, a CSP for the dashboard, HSTS behind TLS', async () => {
    const page = await get('/');
    expect(page.headers.get('content-type')).toMatch(/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    for (const res of [page, await get('/healthz')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
    expect((await get('/healthz')).headers.get('strict-transport-security')).toBeNull();
    expect((await get('/healthz', { 'x-forwarded-proto': 'https' })).headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });

  it('an API path that no route serves is a JSON 404, not the dashboard page', async () => {
    for (const path of ['/documents/not-a-uuid', '/exports/nothing.csv', '/graphql/extra']) {
      const res = await get(path, { authorization: `Bearer ${t.operatorKey}` });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/json/);
      expect((await res.json()).errors[0].extensions.code).toBe('NOT_FOUND');
    }
    // the dashboard's own routes still get its page
    expect((await get('/numbers')).headers.get('content-type')).toMatch(/html/);
  });

  it("a client's mistakes are logged at debug with their code, never at error level", async () => {
    const acme = await t.tenant('Logged');
    lines.length = 0;
    await t.gql('mutation { createTenant(name: "x") { id } }', {}, acme.keys.supervisor); // FORBIDDEN
    await t.gql('query($f: Int) { orders(first: $f) { edges { cursor } } }', { f: 'x' }); // INVALID_INPUT
    await t.gql('mutation { topUpBalance(tenantId: "VGVuYW50OjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA==", amount: "1") { amount } }'); // NOT_FOUND
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => l.msg === 'client error').map((l) => l.code)).toEqual(expect.arrayContaining(['FORBIDDEN', 'INVALID_INPUT', 'NOT_FOUND']));
  });
});
