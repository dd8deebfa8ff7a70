import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_ID_HEADER, postDelivery } from './webhooks.post.js';
import type { Delivery } from './webhooks.table.js';

/**
 * C3: an attempt goes over a kept-alive connection. A receiver may close an idle connection just
 * as the next request goes out on it (Node's http server does after 5 s); that request never
 * reached it, so it is sent once more on a new connection instead of counting as a failed attempt.
 */

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A receiver that answers 200, but drops (closes without an answer) each request selected by `drop`. */
async function receiver(drop: (requestOnSocket: number) => boolean) {
  const seen: { id: string; onSocket: number }[] = [];
  const counts = new WeakMap<Socket, number>();
  const server = http.createServer((req, res) => {
    const onSocket = (counts.get(req.socket) ?? 0) + 1;
    counts.set(req.socket, onSocket);
    seen.push({ id: String(req.headers[DELIVERY_ID_HEADER.toLowerCase()]), onSocket });
    req.resume();
    req.on('end', () => (drop(onSocket) ? req.socket.destroy() : res.end('ok')));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, seen };
}

const delivery = (id: string, url: string) => ({ id, kind: 'CDR', app_id: 'a', url, payload: [] }) as unknown as Delivery;
const at = new Date('2026-12-01T09:00:00Z');

describe('C3: one attempt over kept-alive connections', () => {
  it('C3: a request the receiver drops on a reused connection is sent again on a new one: the attempt is delivered', async () => {
    // the second request on any connection is dropped, as when the receiver closed it while idle
    const r = await receiver((n) => n === 2);
    expect(await postDelivery(delivery('d-1', r.url), at, ['s'], 5_000)).toMatchObject({ statusCode: 200, error: null });
    expect(await postDelivery(delivery('d-2', r.url), at, ['s'], 5_000)).toMatchObject({ statusCode: 200, error: null });
    // d-2 went out on d-1's connection, was dropped, then came again on a connection of its own
    expect(r.seen).toEqual([
      { id: 'd-1', onSocket: 1 },
      { id: 'd-2', onSocket: 2 },
      { id: 'd-2', onSocket: 1 },
    ]);
  });

  it('C3: a request dropped on a new connection is a failed attempt, not sent again', async () => {
    const r = await receiver(() => true);
    const outcome = await postDelivery(delivery('d-3', r.url), at, ['s'], 5_000);
    expect(outcome).toMatchObject({ statusCode: null, error: 'not reached (ECONNRESET)' });
    expect(r.seen).toEqual([{ id: 'd-3', onSocket: 1 }]);
  });
});
