import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics at /metrics: process defaults plus Callplane's own. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({ name: 'callplane_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers: [registry] }),
    wsConnections: new Gauge({ name: 'callplane_ws_connections', help: 'Open WebSocket connections', registers: [registry] }),
    eventsPublished: new Counter({ name: 'callplane_events_published_total', help: 'Events published to the bus', labelNames: ['type'], registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
