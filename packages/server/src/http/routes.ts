import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Actor, ServiceContext } from '@callplane/schema';
import { actorCache } from './actor-cache.js';
import { bearer } from './yoga.js';

/** A plain-HTTP route (downloads, CSV exports) that uses the same keys and isolation as GraphQL. */
export interface Route {
  method: 'GET' | 'POST';
  /** Matched against the path; named groups become params. */
  pattern: RegExp;
  handle(req: IncomingMessage, res: ServerResponse, ctx: ServiceContext, params: Record<string, string>): Promise<void>;
}

export async function requestActor(req: IncomingMessage, base: Pick<ServiceContext, 'db' | 'clock' | 'bus' | 'settings'>): Promise<Actor | null> {
  const presented = bearer(req.headers.authorization ?? null);
  return presented ? actorCache(base).authenticate(presented) : null;
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** Same shape as a GraphQL error, so that clients read one error format everywhere. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, field: string | null = null) {
  sendJson(res, status, { errors: [{ message, extensions: { code, field } }] });
}
