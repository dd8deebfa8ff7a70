import { documentForDownload } from '@callplane/schema';
import type { Route } from '../http/routes.js';

/**
 * Q4: GET /documents/<uuid> streams a qualification document with the same key as GraphQL; the
 * service reads it through the tenant scope, so another tenant's document is a 404 like a missing one.
 */
export const documentDownloadRoute: Route = {
  method: 'GET',
  pattern: /^\/documents\/(?<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i,
  async handle(_req, res, ctx, params) {
    const doc = await documentForDownload(ctx, params.id!);
    res.writeHead(200, {
      'content-type': doc.content_type,
      'content-length': String(doc.content.length),
      'content-disposition': contentDisposition(doc.file_name),
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
      etag: `"${doc.sha256}"`,
    });
    res.end(doc.content);
  },
};

/** RFC 6266: an ASCII fallback plus the UTF-8 name (file names are often Chinese). */
export function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
