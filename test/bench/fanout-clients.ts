/**
 * The fan-out benchmark's subscribers, in a process of their own: SOCKETS sockets with SUBS
 * subscriptions each, over graphql-ws (Callplane) or plain frames (the bare baseline). Talks to the
 * runner over IPC: 'ready' once every subscription got the warm-up event, then for each 'arm' the
 * delivery times (epoch ms) of one event to every subscription.
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
const arrived = () => {
  arrivals.push(now());
  if (arrivals.length === expected) onRound?.();
};

async function openCallplane(after: string) {
  for (let s = 0; s < SOCKETS; s++) {
    const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0, lazy: false });
    for (let i = 0; i < SUBS; i++)
      client.subscribe({ query: 'subscription($after: String) { events(after: $after, types: [TENANT_CREATED]) { cursor } }', variables: { after } }, { next: arrived, error: (e) => console.error(e), complete: () => {} });
    if (s % 50 === 49) await new Promise((r) => setTimeout(r, 0));
  }
}

async function openBare() {
  for (let s = 0; s < SOCKETS; s++) {
    const ws = new WebSocket(url);
    // the bare server sends one frame per subscription, as graphql-ws does
    ws.on('message', arrived);
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
    arrivals = [];
    process.send!({ type: 'ready' });
  }
  if (m.type === 'arm') {
    arrivals = [];
    expected = SOCKETS * SUBS;
    await new Promise<void>((r) => {
      onRound = r;
      process.send!({ type: 'armed' });
    });
    process.send!({ type: 'round', arrivals });
  }
  if (m.type === 'exit') process.exit(0);
});
