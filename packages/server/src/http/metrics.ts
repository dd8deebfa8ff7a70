import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics at /metrics: process defaults plus Callplane's own. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let openWsConnections = (): number => 0;
  return {
    registry,
    httpRequests: new Counter({ name: 'callplane_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] }),
    /** Counted at each scrape from the WebSocket server's own register of open sockets, so it cannot drift from it. */
    wsConnections: new Gauge({
      name: 'callplane_ws_connections',
      help: 'Open WebSocket connections',
      registers: [registry],
      collect() {
        this.set(openWsConnections());
      },
    }),
    /** How the WebSocket server counts its open (authenticated) sockets for `callplane_ws_connections`. */
    countWsConnections(count: () => number) {
      openWsConnections = count;
    },
    /** Sockets graphql-ws's keep-alive terminated: no pong within CALLPLANE_WS_KEEPALIVE_MS of its ping (the client sees 1006). */
    wsKeepAliveTerminations: new Counter({
      name: 'callplane_ws_keepalive_terminations_total',
      help: 'WebSocket connections the server terminated because their pong came later than the keep-alive interval',
      registers: [registry],
    }),
    /** WebSocket closes by code as the server saw them (1006: no close frame, e.g. terminated or the client vanished). */
    wsClosed: new Counter({ name: 'callplane_ws_closed_total', help: 'WebSocket connections closed, by close code', labelNames: ['code'], registers: [registry] }),
    eventsPublished: new Counter({ name: 'callplane_events_published_total', help: 'Events published to the bus', labelNames: ['type'], registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
