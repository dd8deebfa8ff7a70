// C3: the HTTP request of one attempt: a signed POST over keep-alive connections (one TCP and TLS
// handshake per receiver, not per delivery), a 2xx within the timeout or an error saying why not.
import http from 'node:http';
import https from 'node:https';
import { globalId } from '../../shared/global-id.js';
import { signatureHeader } from '../privacy/routing.control.js';
import type { Delivery } from './webhooks.table.js';

export const SIGNATURE_HEADER = 'Callplane-Signature';
export const DELIVERY_ID_HEADER = 'Callplane-Delivery-Id';

/** Requests in flight to one receiver (host and port) from this process; more wait for a connection, kept open for the next. */
export const CONNECTIONS_PER_RECEIVER = 64;
const AGENTS = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS_PER_RECEIVER }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: CONNECTIONS_PER_RECEIVER }),
};

export interface Outcome {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/**
 * The request body: the delivery's id (the Callplane-Delivery-Id header, the API's
 * `Delivery.deliveryId`) and kind, the app's id as the API shows it, and its items (a CDR batch,
 * one status change, one SMS, one voice message outcome). Every Callplane id in a body is the
 * API's global id, which `node(id:)` reads; the switch's own ids keep their names (`switchCallId`,
 * `eventId`, `messageId` of an SMS).
 */
export const deliveryBody = (d: Delivery): string =>
  JSON.stringify({ deliveryId: d.id, kind: d.kind, appId: globalId(d.app_kind === 'VOICE' ? 'VoiceApp' : 'PrivacyApp', d.app_id), items: d.payload });

/** One attempt of `d` at `at`, signed with each of `secrets` (two during a rotation). */
export function postDelivery(d: Delivery, at: Date, secrets: readonly string[], timeoutMs: number): Promise<Outcome> {
  const body = deliveryBody(d);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    [SIGNATURE_HEADER]: signatureHeader(secrets, body, Math.floor(at.getTime() / 1000)),
    [DELIVERY_ID_HEADER]: d.id,
  };
  let started = performance.now();
  const took = () => Math.round(performance.now() - started);
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ statusCode, latencyMs: took(), error });
    };
    let target: URL;
    try {
      target = new URL(d.url);
    } catch {
      return settle(null, 'not reached (invalid URL)');
    }
    const agent = AGENTS[target.protocol as keyof typeof AGENTS];
    if (!agent) return settle(null, `not reached (unsupported protocol ${target.protocol})`);
    const url = target;
    const send = (mayRetry: boolean) => {
      const request = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers, agent }, (res) => {
        const code = res.statusCode ?? 0;
        // read to the end, so that the connection goes back to the pool
        res.resume();
        settle(code, code >= 200 && code <= 299 ? null : `HTTP ${code}`);
      });
      // the timeout and the latency count from when the request has a connection: waiting for one of
      // this process's connections to a busy receiver is not the receiver's slowness
      request.once('socket', () => {
        started = performance.now();
        clearTimeout(timer);
        timer = setTimeout(() => {
          settle(null, `no answer within ${timeoutMs} ms`);
          request.destroy();
        }, timeoutMs);
      });
      request.on('error', (e: NodeJS.ErrnoException) => {
        // a kept-alive connection the receiver closed as this request went out (its idle timeout,
        // 5 s in Node's http server) never reached it: send once more on a new connection
        if (mayRetry && !settled && request.reusedSocket && e.code === 'ECONNRESET') return send(false);
        settle(null, `not reached (${e.code ?? e.message})`);
      });
      request.end(body);
    };
    send(true);
  });
}
