import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privacyServiceWorld, type PrivacyServiceWorld } from '../../../../../test/support/privacy-fixtures.js';
import type { PrivacyApp } from './privacy.table.js';
import { createPrivacyApp, moveNumbersToPool, rotateAppSecret, updatePrivacyApp } from './privacy.service.js';
import { routeCall } from './routing.js';
import { SIGNATURE_HEADER, verifySignature } from './routing.control.js';

/** P2, P8: X mode against a real local HTTP receiver: answering, slow, failing, refusing, answering badly. */

type Behaviour = 'answer' | 'display' | 'display400' | 'reject' | 'slow' | 'fail' | 'garbage';
let behaviour: Behaviour = 'answer';
const received: { headers: IncomingMessage['headers']; body: string }[] = [];
const held: ServerResponse[] = [];
let receiver: Server;

const CALLEE = '+8613912345678';

function answer(req: IncomingMessage, res: ServerResponse, body: string) {
  received.push({ headers: req.headers, body });
  const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  switch (behaviour) {
    case 'answer':
      return json(200, { action: 'CONNECT', callee: CALLEE, maxDurationSeconds: 600, record: true, userData: 'ticket 9' });
    case 'display':
      return json(200, { action: 'CONNECT', callee: '13912345678', displayNumber: '021 5566 7788' });
    case 'display400':
      return json(200, { action: 'CONNECT', callee: CALLEE, displayNumber: '400 810 8888' });
    case 'reject':
      return json(200, { action: 'REJECT', reason: 'outside office hours' });
    case 'slow':
      return void held.push(res); // answered never: the caller's timeout decides
    case 'fail':
      return json(503, { error: 'down' });
    case 'garbage':
      return res.writeHead(200).end('<html>not json</html>');
  }
}

let s: PrivacyServiceWorld;
let app: PrivacyApp;
let secret = '';
let x = '';

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => answer(req, res, body));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/control`;
  s = await privacyServiceWorld();
  const made = await createPrivacyApp(s.w.ctx(s.acme.admin), { name: 'control', mode: 'X', callControlUrl: url, callControlTimeoutMs: 300 });
  [app, secret] = [made.app, made.secret];
  const [n] = await s.ownNumbers(s.acme, 1);
  await moveNumbersToPool(s.w.ctx(s.acme.admin), app.id, [n!.id]);
  x = n!.e164;
});
afterAll(async () => {
  for (const r of held) r.destroy();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
  await s?.w.drop();
});

const route = (caller = '13800138000') => routeCall(s.w.ctx(s.acme.admin), { caller, called: x });
const withFallback = (fallback: string | null) => updatePrivacyApp(s.w.ctx(s.acme.admin), app.id, { callControlFallback: fallback });

describe('P8: X mode asks the call-control URL', () => {
  it('P8: a signed request (t=<unix>,v1=HMAC-SHA256 of "t.body" with the app secret) names the call; the answer connects', async () => {
    behaviour = 'answer';
    received.length = 0;
    expect(await route('13800138000')).toEqual({
      action: 'CONNECT',
      matched: 'CALL_CONTROL',
      callee: CALLEE,
      displayNumber: x,
      maxDurationSeconds: 600,
      record: true,
      bindingId: null,
      userData: 'ticket 9',
    });
    const [req] = received;
    const header = String(req!.headers[SIGNATURE_HEADER]);
    expect(header).toMatch(new RegExp(`^t=${Math.floor(s.w.clock.now().getTime() / 1000)},v1=[0-9a-f]{64}$`));
    expect(verifySignature(header, req!.body, secret)).toBe(true);
    expect(verifySignature(header, req!.body, 'whsec_other')).toBe(false);
    expect(verifySignature(header, req!.body.replace('138', '139'), secret)).toBe(false);
    expect(JSON.parse(req!.body)).toMatchObject({ event: 'CALL_CONTROL', caller: '+8613800138000', called: x, extension: null });
  });

  it('P8: during a secret rotation’s overlap the request carries a signature for each valid secret', async () => {
    const rotated = await rotateAppSecret(s.w.ctx(s.acme.admin), app.id, 3600);
    received.length = 0;
    await route();
    const header = String(received[0]!.headers[SIGNATURE_HEADER]);
    expect(header.split(',').filter((p) => p.startsWith('v1='))).toHaveLength(2);
    for (const k of [rotated.secret, secret]) expect(verifySignature(header, received[0]!.body, k)).toBe(true);
    secret = rotated.secret;
  });

  it('P8: the answer may name the display number; a 400 display number is never used (N5): the fallback decides', async () => {
    behaviour = 'display';
    expect(await route()).toMatchObject({ action: 'CONNECT', callee: CALLEE, displayNumber: '+862155667788' });
    await withFallback(null);
    behaviour = 'display400';
    const d = await route();
    expect(d).toMatchObject({ action: 'REJECT', stateCode: '8018', matched: 'CALL_CONTROL' });
    expect((d as { reason: string }).reason).toMatch(/400 number/);
  });

  it('P8: a REJECT answer rejects (8019)', async () => {
    behaviour = 'reject';
    expect(await route()).toMatchObject({ action: 'REJECT', stateCode: '8019', reason: 'the call-control URL refused the call: outside office hours' });
  });

  it('P8: slow (past the timeout), failing (HTTP 503) and garbled answers: the fallback number, or REJECT 8018 without one', async () => {
    for (const b of ['slow', 'fail', 'garbage'] as const) {
      behaviour = b;
      await withFallback(null);
      const rejected = await route();
      expect(rejected, b).toMatchObject({ action: 'REJECT', stateCode: '8018', matched: 'CALL_CONTROL' });
      await withFallback('021 6000 0000');
      const fallback = await route();
      expect(fallback, b).toMatchObject({ action: 'CONNECT', matched: 'FALLBACK', callee: '+862160000000', displayNumber: x, bindingId: null });
      expect((fallback as { reason: string }).reason, b).toMatch({ slow: /did not answer within 300 ms/, fail: /HTTP 503/, garbage: /not JSON/ }[b]);
    }
  });
});
