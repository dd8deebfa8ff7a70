/**
 * What `pnpm bench dashboard` runs in the browser: the recorder both pages carry (a
 * MutationObserver noting when each row's `data-event` changes, and a long-task observer), and the bare baseline page (a
 * table that a bare WebSocket updates in place, one DOM write per event, no framework).
 */
import type { Page } from 'playwright-core';

declare global {
  interface Window {
    __seen: Seen[];
    __long: number[];
  }
}

/**
 * Installed before the page's own scripts: every change of a `data-event` attribute, with its time
 * (epoch ms) and how: 'changed' (a row on screen changed) or 'added' (a row came into the DOM: a
 * new call, or a row scrolled or shifted into view showing an event it had before). And the page's
 * long tasks (> 50 ms of main thread at once: frames the page dropped). Kept as source text: a
 * function compiled by tsx would carry helpers the page lacks.
 */
export const recordRowChanges = `
  window.__seen = [];
  window.__long = [];
  const note = (el, t, how) => {
    const id = el.getAttribute('data-event');
    if (id) window.__seen.push([id, t, how]);
  };
  new MutationObserver((records) => {
    const t = performance.timeOrigin + performance.now();
    for (const r of records) {
      if (r.type === 'attributes') note(r.target, t, 'changed');
      else
        for (const n of r.addedNodes)
          if (n instanceof Element) {
            if (n.hasAttribute('data-event')) note(n, t, 'added');
            n.querySelectorAll('[data-event]').forEach((el) => note(el, t, 'added'));
          }
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-event'] });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__long.push(e.duration);
  }).observe({ type: 'longtask' });`;

export type Seen = [eventId: string, at: number, how: 'changed' | 'added'];

/** The changes and long tasks recorded since the last call. */
export const drainSeen = (page: Page) => page.evaluate(() => ({ seen: window.__seen.splice(0), long: window.__long.splice(0) }));

/** The baseline page: rows keyed by call id, updated as each frame arrives; ended rows leave after 4 s. */
export function bareTablePage(wsUrl: string): string {
  const script = `
    const rows = new Map();
    const body = document.querySelector('tbody');
    const ws = new WebSocket(${JSON.stringify(wsUrl)});
    ws.onmessage = (m) => {
      for (const e of JSON.parse(m.data)) {
        let tr = rows.get(e.callId);
        if (!tr) {
          tr = document.createElement('tr');
          tr.innerHTML = '<td></td><td></td>';
          tr.firstChild.textContent = e.callId;
          rows.set(e.callId, tr);
          body.prepend(tr);
        }
        tr.lastChild.textContent = e.state;
        tr.setAttribute('data-event', e.eventId);
        if (e.state === 'ENDED') setTimeout(() => (tr.remove(), rows.delete(e.callId)), 4000);
      }
    };
    ws.onopen = () => (document.title = 'open');`;
  return `<!doctype html><html><body><table><tbody></tbody></table><script>${script}</script></body></html>`;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** `--profile`: the page's CPU profile over the run, summarised as the functions with the most self time. */
export function topSelfTime(profile: { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] }, top = 15): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  (profile.samples ?? []).forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber}`;
    const dt = profile.timeDeltas?.[i] ?? 0;
    total += dt;
    self.set(name, (self.get(name) ?? 0) + dt);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => `  ${((us / total) * 100).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  args?: { name?: string };
}

/**
 * `--profile`: where the busiest renderer's main thread went (a Chromium trace, `devtools.timeline`):
 * its tasks in all, and the time inside them by kind (script, style, layout, paint, GC …; nested kinds overlap).
 */
export function mainThreadTime(trace: { traceEvents: TraceEvent[] }, top = 12): string {
  const mains = new Set(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const byThread = new Map<string, Map<string, number>>();
  for (const e of trace.traceEvents) {
    const thread = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || !e.dur || !mains.has(thread)) continue;
    const names = byThread.get(thread) ?? byThread.set(thread, new Map()).get(thread)!;
    names.set(e.name, (names.get(e.name) ?? 0) + e.dur);
  }
  const [busiest] = [...byThread.values()].sort((a, b) => (b.get('RunTask') ?? 0) - (a.get('RunTask') ?? 0));
  if (!busiest) return '  (no renderer main thread in the trace)';
  return [...busiest]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`)
    .join('\n');
}
