import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import sirv from 'sirv';
import { sql } from 'kysely';
import { DomainError, pendingMigrations, type ServiceContext } from '@callplane/schema';
import type { Log } from '../logger.js';
import { yogaBody } from './json-body.js';
import type { Metrics } from './metrics.js';
import { requestActor, sendError, sendJson, type Route } from './routes.js';
import type { createGraphQLServer } from './yoga.js';

export interface HttpDeps {
  yoga: ReturnType<typeof createGraphQLServer>;
  base: Omit<ServiceContext, 'actor'>;
  metrics: Metrics;
  log: Log;
  routes: Route[];
  dashboardDir?: string;
}

/** One HTTP server: GraphQL, health, metrics, plain routes, and the built dashboard at `/`. */
export function createHttpServer(deps: HttpDeps) {
  const dashboard =
    deps.dashboardDir && existsSync(deps.dashboardDir) ? sirv(deps.dashboardDir, { single: true, etag: true, gzip: false }) : null;

  return createServer(async (req, res) => {
    const requestId = (req.headers['x-request-id'] as string) || randomUUID();
    res.setHeader('x-request-id', requestId);
    securityHeaders(req, res);
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routeName(url.pathname);
    res.once('finish', () => {
      deps.metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      if (route !== 'healthz' && route !== 'metrics')
        deps.log.info(
          { reqId: requestId, method: req.method, path: url.pathname, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 },
          'request',
        );
    });
    try {
      await dispatch(deps, req, res, url, requestId, dashboard);
    } catch (err) {
      deps.log.error({ reqId: requestId, err }, 'request failed');
      if (!res.headersSent) sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Unexpected error.');
      else res.destroy();
    }
  });
}

async function dispatch(
  deps: HttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
  dashboard: ReturnType<typeof sirv> | null,
) {
  const path = url.pathname;
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (path === '/readyz') return sendJson(res, ...(await readiness(deps)));
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
    return res.end(await deps.metrics.registry.metrics());
  }
  if (path === deps.yoga.graphqlEndpoint) {
    // Refuse oversized bodies before reading them: uploads are checked per document later (Q4).
    const limit = deps.base.settings.maxDocumentBytes * 4 + 1024 * 1024;
    if (Number(req.headers['content-length'] ?? 0) > limit)
      return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the request is larger than ${limit} bytes`, null);
    req.headers['x-request-id'] = requestId;
    // Read here, within the limit (also without Content-Length): yoga then parses the body from
    // memory, with no stream plumbing per request (its own size limit is off).
    if (req.method === 'POST') {
      const body = await readBody(req, limit);
      if (!body) return req.destroyed ? undefined : sendError(res, 413, 'PAYLOAD_TOO_LARGE', `the request is larger than ${limit} bytes`, null);
      (req as IncomingMessage & { body?: unknown }).body = yogaBody(req, body);
    }
    return deps.yoga.handle(req, res, { requestId });
  }
  for (const r of deps.routes) {
    const m = r.pattern.exec(path);
    if (!m || req.method !== r.method) continue;
    const actor = await requestActor(req, deps.base);
    if (!actor) return sendError(res, 401, 'UNAUTHENTICATED', 'an API key is required (Authorization: Bearer <key>)');
    try {
      return await r.handle(req, res, { ...deps.base, actor }, m.groups ?? {});
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const status = err.code === 'NOT_FOUND' ? 404 : err.code === 'FORBIDDEN' ? 403 : 400;
      return sendError(res, status, err.code, err.message, err.field);
    }
  }
  // an API path that no route took is a JSON 404, never the dashboard's page
  if (API_PATH.test(path)) return sendError(res, 404, 'NOT_FOUND', `no such API path: ${req.method} ${path}`);
  if (dashboard && (req.method === 'GET' || req.method === 'HEAD')) {
    res.setHeader('content-security-policy', DASHBOARD_CSP);
    return dashboard(req, res, () => sendError(res, 404, 'NOT_FOUND', 'not found'));
  }
  sendError(res, 404, 'NOT_FOUND', dashboard ? 'not found' : 'not found (the dashboard is not built: run `pnpm build`)');
}

/** The whole body, or null once it passes `limit` bytes (the rest is drained unread) or the client left. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      resolve(null);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('close', () => resolve(null)); // after 'end' this changes nothing
    req.once('error', reject);
  });
}

async function readiness(deps: HttpDeps): Promise<[number, unknown]> {
  try {
    await sql`select 1`.execute(deps.base.db);
    const pending = await pendingMigrations(deps.base.db);
    if (pending.length) return [503, { status: 'migrations pending', pending }];
    return [200, { status: 'ready' }];
  } catch (err) {
    return [503, { status: 'database unreachable', error: (err as Error).message }];
  }
}

const API_PATH = /^\/(graphql|documents|recordings|exports|api|healthz|readyz|metrics)(\/|$)/;

/** The dashboard loads only its own scripts and styles and talks only to this server. */
const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

function securityHeaders(req: IncomingMessage, res: ServerResponse) {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  // behind TLS (directly, or a proxy that says so): browsers keep to https from then on
  if ((req.socket as { encrypted?: boolean }).encrypted || req.headers['x-forwarded-proto'] === 'https')
    res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
}

function routeName(path: string): string {
  if (path === '/graphql') return 'graphql';
  if (path === '/healthz' || path === '/readyz' || path === '/metrics') return path.slice(1);
  return path.split('/')[1] || 'root';
}
