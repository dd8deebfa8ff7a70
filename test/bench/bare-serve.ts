/** What the bare baselines share: a JSON answer, and listening until SIGTERM (then their pool ends). */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';

export function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** Listens on a free port, prints `listening <port>`, and stops on SIGTERM. */
export function listenBare(server: Server, pool: pg.Pool) {
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
  process.on('SIGTERM', () => {
    server.close(() => void pool.end().then(() => process.exit(0)));
    server.closeAllConnections();
  });
}

/** The request's body as text, then `handle` (its errors answered 500). */
export function onBody(req: IncomingMessage, res: ServerResponse, handle: (body: string) => Promise<void>) {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => handle(body).catch((err) => send(res, 500, { errors: [{ message: String(err) }] })));
}
