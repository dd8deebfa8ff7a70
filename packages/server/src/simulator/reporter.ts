// C1 as a switch reports: call events queue per key and go out in batches of at most 500 on a short
// timer, one request at a time per key (so a call's events arrive in the order they happened).
import type { Gql } from './api.js';

export const MAX_EVENTS_PER_REPORT = 500;

export interface SimCallEvent {
  eventId: string;
  callId: string;
  type: 'CALLIN' | 'CALLOUT' | 'QUEUED' | 'ALERTING' | 'ANSWER' | 'DISCONNECT';
  occurredAt: string;
  caller?: string;
  called?: string;
  callee?: string | null;
  bindingId?: string | null;
  skillGroupId?: string;
  agentId?: string;
  failureReason?: string | null;
  recordingUrl?: string | null;
}

const REPORT = `mutation SimulatorReport($events: [CallEventInput!]!) {
  reportCallEvents(events: $events) { index status error { code field message } } }`;

interface Queue {
  gql: Gql;
  pending: { event: SimCallEvent; sent: () => void }[];
  sending: Promise<void> | null;
}

export function eventReporter(opts: { flushMs: number; onStored: (n: number) => void; onError: (err: unknown) => void }) {
  const queues = new Map<Gql, Queue>();

  async function send(q: Queue) {
    while (q.pending.length) {
      const batch = q.pending.splice(0, MAX_EVENTS_PER_REPORT);
      try {
        const results: { index: number; status: string; error: { code: string; field: string | null; message: string } | null }[] = (
          await q.gql('reportCallEvents', REPORT, { events: batch.map((b) => b.event) })
        ).reportCallEvents;
        let stored = 0;
        for (const r of results) {
          if (r.status !== 'ERROR') stored++;
          else {
            const e = batch[r.index]!.event;
            opts.onError(new Error(`reportCallEvents: ${e.type} of call ${e.callId}: ${r.error?.message} [${r.error?.code}${r.error?.field ? ` ${r.error.field}` : ''}]`));
          }
        }
        opts.onStored(stored);
      } catch (err) {
        opts.onError(err);
      }
      for (const b of batch) b.sent();
    }
  }

  const flushNow = () => {
    for (const q of queues.values()) if (!q.sending && q.pending.length) q.sending = send(q).finally(() => (q.sending = null));
  };
  const timer = setInterval(flushNow, opts.flushMs);

  return {
    /** Queues the event; resolves once the request that carried it was answered (or failed). */
    report(gql: Gql, event: SimCallEvent): Promise<void> {
      let q = queues.get(gql);
      if (!q) queues.set(gql, (q = { gql, pending: [], sending: null }));
      const queue = q;
      return new Promise<void>((sent) => queue.pending.push({ event, sent }));
    },
    /** Sends everything queued and waits for it. */
    async flush() {
      for (;;) {
        flushNow();
        const busy = [...queues.values()].map((q) => q.sending).filter(Boolean);
        if (!busy.length) return;
        await Promise.all(busy);
      }
    },
    close: () => clearInterval(timer),
  };
}
