import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceWorld, type ServiceWorld } from '../../../../../test/support/context.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { inTransaction } from '../../db/transaction.js';
import { decodeCursor, encodeCursor, type Cursor } from './events.cursor.js';
import { sharedReader } from './events.fanout.js';
import { renderedEvents, sharedRenders, type EventTransport } from './events.render.js';
import type { EventFilter } from './events.service.js';

let w: ServiceWorld;
beforeAll(async () => {
  w = await serviceWorld();
});
afterAll(() => w?.drop());

const emit = (tenantId: string | null, subjectId: string) =>
  inTransaction(w.ctx(), (tx) => tx.emit({ type: 'TENANT_CREATED', tenantId, subjectId, payload: {} }));

const head = async () => decodeCursor((await readableEvents(w.db, {}, { limit: 100_000 })).at(-1)?.cursor);
/** The tenant's readable events after `after`, once `last` is readable (another transaction of the cluster may hold it back). */
async function readable(filter: EventFilter, after: Cursor, last: string) {
  for (let i = 0; ; i++) {
    const events = await readableEvents(w.db, filter, { after, limit: 1000 });
    if (events.some((e) => e.subjectId === last) || i > 400) return events;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const tick = () => new Promise((r) => setTimeout(r, 1));

/**
 * A subscriber whose transport renders events itself, as graphql-ws frames do: what it was sent,
 * in order. `backedUpEvery` n: every n-th send reports the transport backed up until the next tick.
 */
function subscriber(shareKey: string, after: Cursor, filter: EventFilter, opts: { backedUpEvery?: number; pageSize?: number } = {}) {
  const sent: string[] = [];
  let backedUp = false;
  const transport: EventTransport = {
    shareKey,
    render: (e) => JSON.stringify({ cursor: e.cursor, subjectId: e.subjectId }),
    send(rendered) {
      sent.push(JSON.parse(rendered).cursor);
      if (opts.backedUpEvery && sent.length % opts.backedUpEvery === 0) backedUp = true;
      return !backedUp;
    },
    drained: () => tick().then(() => void (backedUp = false)),
  };
  const stream = renderedEvents(w, { after, filter, pageSize: opts.pageSize, idlePollMs: 100 }, transport);
  const it = stream[Symbol.asyncIterator]();
  const ended = it.next(); // runs until stopped; yields nothing
  return { sent, ended, stop: () => it.return() };
}

async function until(what: string, check: () => boolean) {
  for (let i = 0; !check(); i++) {
    if (i > 800) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('RT5: subscriptions that render alike share one rendering per event', () => {
  it('RT5: 200 alike subscriptions from three positions get exactly their own events, each event rendered once', async () => {
    const tenant = await w.tenant('Render Co');
    const filter = { tenantId: tenant.tenantId, types: ['TENANT_CREATED'] };
    const start = await head();
    for (let i = 0; i < 4; i++) await emit(tenant.tenantId, `h${i}`);
    const history = await readable(filter, start, 'h3');
    const at = (subject: string) => history.findIndex((e) => e.subjectId === subject);
    const starts = [start, decodeCursor(history[at('h1')]!.cursor), decodeCursor(history[at('h3')]!.cursor)];
    const missed = [history.length, history.length - at('h1') - 1, 0];
    const rendersBefore = sharedRenders.count;
    const subs = Array.from({ length: 200 }, (_, i) => ({ after: starts[i % 3]!, missed: missed[i % 3]!, ...subscriber('same', starts[i % 3]!, filter) }));
    // every subscription caught up: the history went out to those that started before it
    await until('the catch-up', () => subs.every((s) => s.sent.length === s.missed));
    for (let i = 0; i < 10; i++) await emit(tenant.tenantId, `live${i}`);
    const all = (await readable(filter, start, 'live9')).map((e) => e.cursor);
    await until('the live events', () => subs.every((s) => s.sent.at(-1) === all.at(-1)));
    for (const s of subs) expect(s.sent).toEqual(all.slice(all.indexOf(encodeCursor(s.after)) + 1));
    // rendered once each for the group, not once per subscription (over 2 000 sends)
    expect(sharedRenders.count - rendersBefore).toBe(history.length + 10);
    // and the group is one member of the shared reader, not 200
    expect(sharedReader(w.db, w.bus).size).toBe(1);
    await Promise.all(subs.map((s) => s.stop()));
    await Promise.all(subs.map((s) => s.ended));
    expect(sharedReader(w.db, w.bus).size).toBe(0);
  });

  it('RT5/RT3: hand-over between catching up, the group and backed-up transports under concurrent writes: no gap, no duplicate, in order', async () => {
    const tenant = await w.tenant('Backed Up Co');
    const filter = { tenantId: tenant.tenantId };
    const start = await head();
    for (let i = 0; i < 30; i++) await emit(tenant.tenantId, `h${i}`);
    let writing = true;
    const writers = [0, 1, 2].map(async (k) => {
      for (let i = 0; writing && i < 60; i++) await emit(tenant.tenantId, `w${k}-${i}`);
    });
    const history = await readable(filter, start, 'h29');
    const starts = [start, decodeCursor(history[10]!.cursor), decodeCursor(history[25]!.cursor)];
    // from three positions, each with a transport that keeps up, one backed up now and then, and
    // one backed up often with a queue of 3 (it leaves the group and catches up on its own, again and again)
    const subs = starts.flatMap((after) => [
      { after, ...subscriber('handover', after, filter) },
      { after, ...subscriber('handover', after, filter, { backedUpEvery: 7 }) },
      { after, ...subscriber('handover', after, filter, { backedUpEvery: 3, pageSize: 3 }) },
    ]);
    await Promise.all(writers);
    writing = false;
    await emit(tenant.tenantId, 'last');
    const all = (await readable(filter, start, 'last')).map((e) => e.cursor);
    await until('every subscriber to reach the last event', () => subs.every((s) => s.sent.at(-1) === all.at(-1)));
    for (const s of subs) expect(s.sent).toEqual(all.slice(all.indexOf(encodeCursor(s.after)) + 1));
    await Promise.all(subs.map((s) => s.stop()));
  }, 60_000);

  it('RT5: a share key that does not decide the filter fails the subscription instead of handing it another tenant’s events', async () => {
    const a = await w.tenant('Key A');
    const b = await w.tenant('Key B');
    const start = await head();
    const first = subscriber('scope left out', start, { tenantId: a.tenantId });
    await until('the first subscription to join', () => sharedReader(w.db, w.bus).size === 1);
    const second = subscriber('scope left out', start, { tenantId: b.tenantId });
    await expect(second.ended).rejects.toThrow(/follow different events/);
    await emit(a.tenantId, 'for a');
    await until('the first subscription to get its event', () => first.sent.length === 1);
    expect(second.sent).toEqual([]);
    await first.stop();
  });
});
