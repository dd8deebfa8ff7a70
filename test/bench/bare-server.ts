/**
 * The baseline of `pnpm bench http`: a bare node:http + pg handler doing the work Callplane does
 * for the two measured queries, and nothing else: read the JSON body, hash the presented key, look
 * it up, then select the rows (or answer the key's role). Started as a process of its own with
 * DATABASE_URL; prints `listening <port>`.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { listenBare, send } from './bare-serve.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }); // Callplane's pool size

const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', async () => {
    try {
      const { query } = JSON.parse(body) as { query: string };
      const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const hash = createHash('sha256').update(presented).digest('hex');
      const { rows: keys } = await pool.query('select id, role, tenant_id, expires_at, revoked_at from api_keys where secret_hash = $1', [hash]);
      const key = keys[0];
      if (!key || key.revoked_at || (key.expires_at && key.expires_at <= new Date())) return send(res, 401, { errors: [{ message: 'unauthenticated' }] });
      if (!query.includes('tenants')) return send(res, 200, { data: { viewer: { role: key.role } } });
      const { rows } = await pool.query('select * from tenants order by created_at desc, id desc limit 21');
      const edges = rows.slice(0, 20).map((t) => ({ node: { id: Buffer.from(`Tenant:${t.id}`).toString('base64'), name: t.name } }));
      send(res, 200, { data: { tenants: { edges } } });
    } catch (err) {
      send(res, 500, { errors: [{ message: String(err) }] });
    }
  });
});

listenBare(server, pool);
