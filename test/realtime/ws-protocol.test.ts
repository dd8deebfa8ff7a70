import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import { fromGlobal } from '../support/graphql.js';

/**
 * The graphql-transport-ws protocol under abuse, seen frame by frame from raw sockets: a bad
 * operation is an `error` message for its id and never costs the socket its other subscriptions,
 * a malformed connection_init is refused like a bad key, and sockets that leave mid-handshake are
 * not counted as open.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

const EVENTS = `subscription($after: String) { events(after: $after) { cursor type subjectId } }`;
const createTenant = (name: string) => t.gql(`mutation($n: String!) { createTenant(name: $n) { id } }`, { n: name });

interface Frame {
  type: string;
  id?: string;
  payload?: any;
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
async function until(what: string | (() => string), check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const opened: WebSocket[] = [];
afterEach(async () => {
  // a failed test leaves no socket open behind it to skew the next test's gauge
  for (const ws of opened.splice(0)) ws.terminate();
});

/** A raw graphql-transport-ws socket that records every frame the server sends, and how it closed. */
function rawSocket() {
  const ws = new WebSocket(t.url.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
  opened.push(ws);
  const frames: Frame[] = [];
  let closed: { code: number; reason: string } | null = null;
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  ws.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
  let failed: Error | null = null;
  ws.on('error', (e) => (failed = e));
  const open = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  open.catch(() => {}); // reported by send() and by the waits
  return {
    ws,
    frames,
    get closed() {
      return closed;
    },
    async send(frame: Frame) {
      await open;
      ws.send(JSON.stringify(frame));
    },
    /** The first frame that matches, waiting for it; fails early if the socket closes first. */
    async frame(match: (f: Frame) => boolean, what: string): Promise<Frame> {
      await until(what, () => {
        if (frames.some(match)) return true;
        if (failed) throw failed;
        if (closed) throw new Error(`socket closed with ${closed.code} (${closed.reason}) while waiting for ${what}`);
        return false;
      });
      return frames.find(match)!;
    },
    async closeCode(): Promise<number> {
      await until('the socket to close', () => closed !== null);
      return closed!.code;
    },
  };
}

type RawSocket = ReturnType<typeof rawSocket>;

/** A raw socket past connection_ack with the operator's key. */
async function acknowledged(): Promise<RawSocket> {
  const s = rawSocket();
  await s.send({ type: 'connection_init', payload: { authorization: `Bearer ${t.operatorKey}` } });
  await s.frame((f) => f.type === 'connection_ack', 'connection_ack');
  return s;
}

/** Waits until `callplane_ws_connections`, read from /metrics as Prometheus does, shows `n`. */
async function gaugeReaches(n: number, what: string): Promise<void> {
  let last = NaN;
  await until(() => `${what}: callplane_ws_connections ${n}, last read ${last}`, async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const line = /^callplane_ws_connections (\S+)$/m.exec(text);
    if (!line) throw new Error('callplane_ws_connections is missing from /metrics');
    last = Number(line[1]);
    return last === n;
  });
}

describe('a bad subscribe message is an error for its id; the socket and its other subscriptions live on', () => {
  const nest = (depth: number, inner: string) => '... on Subscription { '.repeat(depth) + inner + ' }'.repeat(depth);
  const bad = [
    { name: 'a syntax error', query: 'subscription { events(after: ) { cursor }', message: /^Syntax Error: / },
    { name: 'over the token limit (5000)', query: `subscription { events { ${'cursor '.repeat(5001)} } }`, message: /Token limit of 5000 exceeded/ },
    // 11 fragments + events + cursor: depth 13
    { name: 'over the depth limit (12)', query: `subscription { ${nest(11, 'events { cursor }')} }`, message: /Query depth limit of 12 exceeded/ },
  ];

  it.each(bad)('$name', async ({ name, query, message }) => {
    const s = await acknowledged();
    await s.send({ id: 'live', type: 'subscribe', payload: { query: EVENTS, variables: { after: await t.cursor() } } });
    /** Creates a tenant and waits for its TENANT_CREATED on the live subscription. */
    const deliversNewTenant = async (label: string) => {
      const tenantId = fromGlobal((await createTenant(`${label}, ${name}`)).data.createTenant.id);
      const arrived = (f: Frame) => f.id === 'live' && f.type === 'next' && f.payload.data.events.subjectId === tenantId;
      const event = await s.frame(arrived, `the live subscription to deliver the tenant created ${label}`);
      expect(event.payload.data.events.type).toBe('TENANT_CREATED');
    };
    await deliversNewTenant('before the bad message');

    await s.send({ id: 'bad', type: 'subscribe', payload: { query } });
    const error = await s.frame((f) => f.id === 'bad', 'an answer to the bad subscribe');
    expect(error.type).toBe('error');
    expect(Array.isArray(error.payload)).toBe(true);
    expect(error.payload).toHaveLength(1);
    expect(error.payload[0].message).toMatch(message);
    expect(error.payload[0].message).not.toMatch(/Unexpected error/);

    // the other subscription on the same socket still delivers
    await deliversNewTenant('after the bad message');
    // and the id of the refused operation is free again: a good operation under it is answered
    await s.send({ id: 'bad', type: 'subscribe', payload: { query: '{ eventCursor }' } });
    await s.frame((f) => f.id === 'bad' && f.type === 'next', 'the answer to a good operation under the same id');
    expect(s.closed).toBeNull();
    s.ws.close();
  });
});

describe('connection_init with an authorization that is not a string closes with 4403, like a bad key', () => {
  const payloads: [string, unknown][] = [
    ['an object with toString', { authorization: { toString: 1 } }],
    ['a number', { authorization: 42 }],
    ['an array', { authorization: [`Bearer ${'x'.repeat(20)}`] }],
    ['null', { authorization: null }],
    ['true', { authorization: true }],
    ['an object', { authorization: { bearer: 'x' } }],
  ];
  it.each(payloads)('%s', async (_name, payload) => {
    const s = rawSocket();
    await s.send({ type: 'connection_init', payload: payload as any });
    expect(await s.closeCode()).toBe(4403);
    expect(s.frames).toEqual([]);
  });

  it("the operator's key as an array is refused too: only a string is a key", async () => {
    const s = rawSocket();
    await s.send({ type: 'connection_init', payload: { authorization: [`Bearer ${t.operatorKey}`] } });
    expect(await s.closeCode()).toBe(4403);
  });
});

// The gauge is read from the server's per-key register of sockets (the one that closes revoked
// keys' sockets), so this also shows that the register keeps no closed socket.
describe('callplane_ws_connections counts the sockets that are open', () => {
  it('sockets closed while their connection_init is being authenticated are not counted', async () => {
    const stays = await acknowledged();
    await gaugeReaches(1, 'the socket that stays open');

    const sockets = Array.from({ length: 60 }, (_, i) => {
      const s = rawSocket();
      s.ws.once('open', () => {
        s.ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.operatorKey}` } }));
        // leave at once, half politely and half by dropping the connection
        if (i % 2) s.ws.close();
        else s.ws.terminate();
      });
      return s;
    });
    await until('every leaving socket to be closed', () => sockets.every((s) => s.closed !== null));
    // the server may still be authenticating some of them: wait until it has settled on the truth
    await gaugeReaches(1, 'only the socket that stayed open');
    // a socket acknowledged after them (its key checked after theirs) is counted on the truth, not on leftovers
    const more = await acknowledged();
    await gaugeReaches(2, 'the two open sockets');
    stays.ws.close();
    more.ws.close();
    await gaugeReaches(0, 'no open socket');
  });
});

describe('many subscriptions in one process', () => {
  // The event bus fans out from one listener on its EventTarget: before, every subscription added
  // its own, and the 11th printed "Possible EventTarget memory leak detected. 11 callplane:events listeners".
  it('20 open subscriptions print no MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const after = await t.cursor();
      const subs = Array.from({ length: 20 }, () => collect<{ events: { type: string } }>(t.wsClient(t.operatorKey), EVENTS, { after }));
      await createTenant('Twenty listeners');
      for (const sub of subs) await sub.waitFor(() => sub.items.some((i) => i.events.type === 'TENANT_CREATED'));
      for (const sub of subs) sub.unsubscribe();
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
