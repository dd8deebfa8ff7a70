import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '@callplane/server/config.ts';
import { startTestApp, type TestApp } from '../support/app.js';

/**
 * Issue 10 (RT5 under load): graphql-ws pings every socket each CALLPLANE_WS_KEEPALIVE_MS and
 * terminates one whose pong is not back that long after the ping: its client sees 1006. The
 * interval is a setting, and each termination is counted in /metrics, so that sockets dropped
 * under load show where they come from.
 */

const KEEPALIVE_MS = 1000;
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ wsKeepAliveMs: KEEPALIVE_MS });
});
afterAll(() => t?.stop());

/** A graphql-transport-ws socket past connection_ack; `autoPong: false` never answers a ping. */
async function acknowledged(autoPong: boolean) {
  const ws = new WebSocket(t.url.replace('http', 'ws') + '/graphql', 'graphql-transport-ws', { autoPong });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.operatorKey}` } }));
  await new Promise<void>((resolve) => ws.on('message', (m) => JSON.parse(String(m)).type === 'connection_ack' && resolve()));
  return { ws, closed };
}

/** A counter's value in /metrics as Prometheus reads it (0 while it has no sample). */
async function metric(line: RegExp): Promise<number> {
  const m = line.exec(await (await fetch(`${t.url}/metrics`)).text());
  return m ? Number(m[1]) : 0;
}

describe('WebSocket keep-alive', () => {
  it('RT5: a socket that answers no ping is terminated after the configured keep-alive (1006 at the client) and counted in /metrics; one that answers stays open', async () => {
    const terminationsBefore = await metric(/^callplane_ws_keepalive_terminations_total (\S+)$/m);
    const silent = await acknowledged(false);
    const answering = await acknowledged(true);
    let pings = 0;
    answering.ws.on('ping', () => pings++);

    expect(await silent.closed).toBe(1006);
    expect(pings, 'the answering socket was pinged meanwhile').toBeGreaterThan(0);
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    expect(await metric(/^callplane_ws_keepalive_terminations_total (\S+)$/m)).toBe(terminationsBefore + 1);
    expect(await metric(/^callplane_ws_closed_total\{code="1006"\} (\S+)$/m)).toBeGreaterThanOrEqual(1);

    answering.ws.close(1000);
    expect(await answering.closed).toBe(1000);
    expect(await metric(/^callplane_ws_keepalive_terminations_total (\S+)$/m)).toBe(terminationsBefore + 1);
  });

  it('RT5: CALLPLANE_WS_KEEPALIVE_MS is read at start: default 12 000, 0 turns pings off, anything else outside 1 000–600 000 ms stops the start naming the variable', () => {
    expect(loadConfig({}).wsKeepAliveMs).toBe(12_000);
    expect(loadConfig({ CALLPLANE_WS_KEEPALIVE_MS: '' }).wsKeepAliveMs).toBe(12_000);
    expect(loadConfig({ CALLPLANE_WS_KEEPALIVE_MS: '30000' }).wsKeepAliveMs).toBe(30_000);
    expect(loadConfig({ CALLPLANE_WS_KEEPALIVE_MS: '0' }).wsKeepAliveMs).toBe(0);
    for (const bad of ['500', '600001', '1.5', 'soon', '-1000'])
      expect(() => loadConfig({ CALLPLANE_WS_KEEPALIVE_MS: bad }), bad).toThrow(/^invalid environment: CALLPLANE_WS_KEEPALIVE_MS: expected .*0 \(no pings\) or 1000 to 600000/);
  });
});
