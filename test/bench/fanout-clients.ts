/**
 * The fan-out benchmark's subscribers, in a process of their own: SOCKETS sockets with SUBS
 * subscriptions each, over graphql-ws (Callplane) or plain frames (the bare baseline). Talks to the
 * runner over IPC: 'ready' once every subscription got the warm-up event, then for each 'arm' the
 * delivery times (epoch ms) of one event to every subscription. A socket that closes abnormally
 * (1006: the server terminated it, or it vanished) is reported ('closed', with its code) and its
 * subscriptions are no longer waited for, so that a run with drops ends and says so.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [mode, url, key, socketsArg, subsArg] = process.argv.slice(2) as ['callplane' | 'bare', string, string, string, string];
const SOCKETS = Number(socketsArg);
const SUBS = Number(subsArg);
const now = () => performance.timeOrigin + performance.now();

/** Arrival times of the current round, one per subscription. */
let arrivals: number[] = [];
let expected = SOCKETS * SUBS;
let onRound: (() => void) | null = null;
/** Sockets still open, and what each got in the current round. */
let live = SOCKETS;
const gotThisRound = new Array<number>(SOCKETS).fill(0);
let exiting = false;
const roundDone = () => {
  if (arrivals.length >= expected) onRound?.();
};
const arrivedOn = (s: number) => () => {
  arrivals.push(now());
  gotThisRound[s]!++;
  roundDone();
};
/** Socket `s` closed with `code`: unless it was our own goodbye, its subscriptions are counted out. */
const dropped = (s: number, code: number) => {
  if (exiting || code === 1000) return;
  live--;
  expected -= SUBS - gotThisRound[s]!;
  process.send!({ type: 'closed', code });
  roundDone();
};
const newRound = () => {
  arrivals = [];
  gotThisRound.fill(0);
  expected = live * SUBS;
};

async function openCallplane(after: string) {
  for (let s = 0; s < SOCKETS; s++) {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: false,
      on: { closed: (e) => dropped(s, (e as { code: number }).code) },
      // a socket that fails is counted by its close code above, not dumped (graphql-ws logs it by default)
      onNonLazyError: () => {},
    });
    const next = arrivedOn(s);
    for (let i = 0; i < SUBS; i++)
      client.subscribe(
        { query: 'subscription($after: String) { events(after: $after, types: [TENANT_CREATED]) { cursor } }', variables: { after } },
        // a dropped socket errors its subscriptions with the close event: counted once per socket above
        { next, error: (e) => void ((e as { code?: number }).code === undefined && console.error(e)), complete: () => {} },
      );
    if (s % 50 === 49) await new Promise((r) => setTimeout(r, 0));
  }
}

async function openBare() {
  for (let s = 0; s < SOCKETS; s++) {
    const ws = new WebSocket(url);
    // the bare server sends one frame per subscription, as graphql-ws does
    ws.on('message', arrivedOn(s));
    ws.on('close', (code) => dropped(s, code));
    await new Promise((r) => ws.once('open', r));
  }
}

process.on('message', async (m: { type: string; after?: string }) => {
  if (m.type === 'open') {
    const round = new Promise<void>((r) => (onRound = r));
    if (mode === 'callplane') await openCallplane(m.after!);
    else await openBare();
    process.send!({ type: 'opened' });
    await round; // the warm-up event reached every subscription
    newRound();
    process.send!({ type: 'ready' });
  }
  if (m.type === 'arm') {
    newRound();
    await new Promise<void>((r) => {
      onRound = r;
      process.send!({ type: 'armed' });
    });
    process.send!({ type: 'round', arrivals });
  }
  if (m.type === 'exit') {
    exiting = true;
    process.exit(0);
  }
});
