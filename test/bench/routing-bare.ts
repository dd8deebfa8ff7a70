/**
 * The baseline of `pnpm bench routing`: a bare node:http + pg handler answering routeCall with the
 * same lookup as Callplane (the X's pool row, its app and the active bindings of the keys E:ext,
 * P:caller, AX) in one hand-written SQL query, then the same decision in a few lines. The key is
 * looked up once and kept (Callplane keeps it 2 s). Started as a process of its own with
 * DATABASE_URL; prints `listening <port>`.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { listenBare, onBody, send } from './bare-serve.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }); // Callplane's pool size
const apps = new Map<string, string | null>();

const ROUTE = `
  select k.key, b.id, b.a_e164, b.b_e164, b.direction, b.record, b.max_call_minutes, b.user_data
  from privacy_pool_numbers p
  join privacy_apps a on a.id = p.app_id
  left join privacy_binding_keys k on k.x_e164 = p.e164 and k.app_id = p.app_id and k.key = any($3)
  left join privacy_bindings b on b.id = k.binding_id and b.ended_at is null and (b.expires_at is null or b.expires_at > $4)
  where p.e164 = $1 and p.app_id = $2`;

/** +86 numbers only (the benchmark's): national, with 0 or 86, or E.164. */
function e164(raw: string): string | null {
  const d = raw.replace(/[^0-9+]/g, '');
  if (/^\+86[1-9][0-9]{6,11}$/.test(d)) return d;
  if (/^86[1-9][0-9]{9,10}$/.test(d)) return `+${d}`;
  if (/^0[1-9][0-9]{8,10}$/.test(d)) return `+86${d.slice(1)}`;
  if (/^1[3-9][0-9]{9}$/.test(d)) return `+86${d}`;
  return null;
}

async function appOf(authorization: string | undefined): Promise<string | null> {
  const presented = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1] ?? '';
  if (!apps.has(presented)) {
    const hash = createHash('sha256').update(presented).digest('hex');
    const { rows } = await pool.query('select app_id from api_keys where secret_hash = $1 and revoked_at is null', [hash]);
    apps.set(presented, rows[0]?.app_id ?? null);
  }
  return apps.get(presented)!;
}

/** The answer as Callplane's GraphQL gives it, field for field. */
function connect(r: any, callee: string, x: string, matched: string) {
  const bindingId = Buffer.from(`PrivacyBinding:${r.id}`).toString('base64');
  return { action: 'CONNECT', matched, callee, displayNumber: x, maxDurationSeconds: r.max_call_minutes ? r.max_call_minutes * 60 : null, record: r.record, bindingId, userData: r.user_data, stateCode: null, reason: null };
}
const reject = (stateCode: string, reason: string, matched: string | null = null) => ({
  action: 'REJECT', matched, callee: null, displayNumber: null, maxDurationSeconds: null, record: null, bindingId: null, userData: null, stateCode, reason,
});

const server = createServer((req, res) =>
  onBody(req, res, async (body) => {
    const { variables } = JSON.parse(body) as { variables: { caller: string; called: string; ext?: string } };
    const app = await appOf(req.headers.authorization);
    if (!app) return send(res, 401, { errors: [{ message: 'unauthenticated' }] });
    const [caller, x] = [e164(variables.caller), e164(variables.called)];
    if (!caller || !x) return send(res, 200, { errors: [{ message: 'invalid number', extensions: { code: 'INVALID_INPUT' } }] });
    const keys = [...(variables.ext ? [`E:${variables.ext}`] : []), `P:${caller}`, 'AX'];
    const { rows } = await pool.query(ROUTE, [x, app, keys, new Date()]);
    send(res, 200, { data: { routeCall: decide(rows, caller, x, variables.ext) } });
  }),
);

function decide(rows: any[], caller: string, x: string, ext: string | undefined) {
  const bound = new Map(rows.filter((r) => r.id).map((r) => [r.key, r]));
  if (!rows.length) return reject('8011', `${x} is not a number of this app`);
  const axe = ext && bound.get(`E:${ext}`);
  if (axe) return connect(axe, axe.a_e164, x, 'AXE');
  const pair = bound.get(`P:${caller}`);
  if (pair) {
    const fromA = caller === pair.a_e164;
    const allowed = pair.direction === 'BOTH' || pair.direction === (fromA ? 'A_TO_B' : 'B_TO_A');
    return allowed ? connect(pair, fromA ? pair.b_e164 : pair.a_e164, x, 'AXB') : reject('8016', 'direction', 'AXB');
  }
  const ax = bound.get('AX');
  return ax ? connect(ax, ax.a_e164, x, 'AX') : reject('8014', `no active binding on ${x} routes this call`);
}

listenBare(server, pool);
