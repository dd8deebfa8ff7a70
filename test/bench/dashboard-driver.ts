/**
 * The switch of `pnpm bench dashboard`: keeps about `live` calls in progress on one X and reports
 * `rate` call events a second through reportCallEvents over HTTP, in batches every 100 ms. Each
 * call goes CALLIN → CALLOUT → ALERTING → ANSWER → DISCONNECT, one event per batch at most, so
 * every event changes its row. Each event's commit time is when its batch's answer came back
 * (the transaction committed before the server answered); `sent` is when the batch left.
 */

const STEPS = [
  { type: 'CALLIN', state: 'RINGING' },
  { type: 'CALLOUT', state: 'RINGING' },
  { type: 'ALERTING', state: 'RINGING' },
  { type: 'ANSWER', state: 'TALKING' },
  { type: 'DISCONNECT', state: 'ENDED' },
] as const;
const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status error { code message } } }`;
const now = () => performance.timeOrigin + performance.now();

export interface SentEvent {
  eventId: string;
  callId: string;
  state: string;
  /** The call's first event (CALLIN): its row comes into the DOM; every later one changes the row in place. */
  first: boolean;
  sent: number;
  committed: number;
}

export function callDriver(opts: { url: string; key: string; x: string; onCommitted: (events: SentEvent[]) => void }) {
  let serial = 0;
  let eventSerial = 0;
  const live = new Map<string, number>(); // call id → next step
  /** Calls in a batch not answered yet: their next event waits, or it could commit first. */
  const busy = new Set<string>();
  const errors: string[] = [];
  let inFlight = 0;

  function event(callId: string, step: number) {
    const { type } = STEPS[step]!;
    const extra =
      type === 'CALLIN' ? { caller: `138${String(serial % 100_000_000).padStart(8, '0')}`, called: opts.x } : type === 'CALLOUT' ? { callee: '13900000000' } : {};
    return { eventId: `bench-${++eventSerial}`, callId, type, occurredAt: new Date().toISOString(), ...extra };
  }

  async function send(batch: { callId: string; step: number }[]) {
    const events = batch.map((b) => event(b.callId, b.step));
    const sent = now();
    for (const b of batch) busy.add(b.callId);
    inFlight++;
    try {
      const res = await fetch(`${opts.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.key}` },
        body: JSON.stringify({ query: REPORT, variables: { events } }),
      });
      const body = (await res.json()) as { data?: { reportCallEvents: { status: string; error: { message: string } | null }[] }; errors?: { message: string }[] };
      const committed = now();
      if (body.errors?.length) return void errors.push(body.errors[0]!.message);
      const stored = body.data!.reportCallEvents;
      for (const r of stored) if (r.status !== 'STORED') errors.push(r.error?.message ?? r.status);
      opts.onCommitted(events.map((e, i) => ({ eventId: e.eventId, callId: e.callId, state: STEPS[batch[i]!.step]!.state, first: batch[i]!.step === 0, sent, committed })));
    } catch (err) {
      errors.push((err as Error).message);
    } finally {
      for (const b of batch) busy.delete(b.callId);
      inFlight--;
    }
  }

  /** Starts `count` calls, in batches of 500 (one request each), and waits for them. */
  async function fill(count: number) {
    for (let done = 0; done < count; done += 500) {
      const batch = Array.from({ length: Math.min(500, count - done) }, () => ({ callId: `call-${++serial}`, step: 0 }));
      for (const b of batch) live.set(b.callId, 1);
      await send(batch);
    }
  }

  /** One batch of `size` events: new calls while fewer than `target` are live, else the next step of random live calls. */
  function tick(size: number, target: number) {
    const batch: { callId: string; step: number }[] = [];
    const ids = [...live.keys()].filter((id) => !busy.has(id));
    const picked = new Set<string>();
    while (batch.length < size && (live.size < target || picked.size < ids.length)) {
      if (live.size < target) {
        const callId = `call-${++serial}`;
        live.set(callId, 1);
        picked.add(callId);
        batch.push({ callId, step: 0 });
        continue;
      }
      const callId = ids[Math.floor(Math.random() * ids.length)]!;
      if (picked.has(callId)) continue;
      picked.add(callId);
      const step = live.get(callId)!;
      batch.push({ callId, step });
      if (step === STEPS.length - 1) live.delete(callId);
      else live.set(callId, step + 1);
    }
    void send(batch);
  }

  /** Sends `rate` events a second (10 batches) for `ms`, keeping about `target` calls live. */
  async function run(rate: number, target: number, ms: number) {
    const until = now() + ms;
    const size = Math.max(1, Math.round(rate / 10));
    let next = now();
    while (now() < until) {
      tick(size, target);
      next += 100;
      await new Promise((r) => setTimeout(r, Math.max(0, next - now())));
    }
    while (inFlight) await new Promise((r) => setTimeout(r, 20));
  }

  return { fill, run, errors, live };
}
