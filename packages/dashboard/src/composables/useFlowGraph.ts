import { Graph, layout } from '@dagrejs/dagre';
import { MarkerType, type Edge, type Node } from '@vue-flow/core';
import type { FlowProblem } from './useFlows';

/** What a drawn node shows. */
export interface FlowNodeData {
  type: string;
  label: string;
  /** The prompt, the skill group, the menu's question… one line. */
  detail: string;
  problems: string[];
  /** A target that no node of the definition has (a dangling edge). */
  missing: boolean;
}

interface RawNode {
  id: string;
  type: string;
  label?: string;
  text?: string;
  skillGroupId?: string;
  next?: string;
  noInputNext?: string;
  fallbackNext?: string;
  options?: { digit?: string; next?: string }[];
}

const WIDTH = 220;
const HEIGHT = 72;
const PROBLEM_LINE = 34;

/** The definition's nodes, as far as they can be read (the server validates; the drawing only shows). */
function nodesOf(definition: unknown): RawNode[] {
  const nodes = (definition as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return [];
  return nodes.filter((n): n is RawNode => !!n && typeof n === 'object' && typeof (n as RawNode).id === 'string').map((n) => ({ ...n, type: String(n.type ?? '?') }));
}

/** Every edge a node has: `next`, each menu digit, no input, a transfer's fallback. */
function exitsOf(n: RawNode): { target: string; label?: string }[] {
  const exits: { target: string; label?: string }[] = [];
  if (typeof n.next === 'string') exits.push({ target: n.next });
  for (const o of Array.isArray(n.options) ? n.options : []) if (typeof o?.next === 'string') exits.push({ target: o.next, label: `press ${o.digit ?? '?'}` });
  if (typeof n.noInputNext === 'string') exits.push({ target: n.noInputNext, label: 'no input' });
  if (typeof n.fallbackNext === 'string') exits.push({ target: n.fallbackNext, label: 'fallback' });
  return exits;
}

function detailOf(n: RawNode, skillGroupName: (id: string) => string | undefined): string {
  if (n.type === 'TRANSFER' && n.skillGroupId) return `to ${skillGroupName(n.skillGroupId) ?? n.skillGroupId}`;
  return typeof n.text === 'string' ? n.text : '';
}

/**
 * The flow as vue-flow nodes and edges, placed by dagre (top to bottom). An edge to a node that
 * does not exist ends at a "missing" node, so a dangling edge is seen; problems sit on their node.
 */
export function flowGraph(definition: unknown, problems: FlowProblem[], skillGroupName: (id: string) => string | undefined = () => undefined) {
  const raw = nodesOf(definition);
  const known = new Set(raw.map((n) => n.id));
  const problemsOf = (id: string) => problems.filter((p) => p.nodeId === id).map((p) => p.message);
  const data = new Map<string, FlowNodeData>();
  for (const n of raw)
    data.set(n.id, { type: n.type, label: n.label || n.id, detail: detailOf(n, skillGroupName), problems: problemsOf(n.id), missing: false });

  const edges: Edge[] = [];
  raw.forEach((n) =>
    exitsOf(n).forEach((exit, i) => {
      let target = exit.target;
      if (!known.has(target)) {
        target = `missing:${exit.target}`;
        data.set(target, { type: 'MISSING', label: exit.target, detail: 'no node has this id', problems: [], missing: true });
      }
      edges.push({ id: `${n.id}->${i}`, source: n.id, target, label: exit.label, markerEnd: MarkerType.ArrowClosed, class: target.startsWith('missing:') ? 'edge-dangling' : undefined });
    }),
  );

  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 60 });
  g.setDefaultEdgeLabel(() => ({}));
  const heightOf = (d: FlowNodeData) => HEIGHT + d.problems.length * PROBLEM_LINE;
  for (const [id, d] of data) g.setNode(id, { width: WIDTH, height: heightOf(d) });
  for (const e of edges) g.setEdge(e.source, e.target, { label: e.label, width: e.label ? 60 : 0, height: e.label ? 20 : 0 }, e.id);
  layout(g);

  const nodes: Node<FlowNodeData>[] = [...data].map(([id, d]) => {
    const at = g.node(id) as { x: number; y: number };
    return { id, type: 'ivr', position: { x: at.x - WIDTH / 2, y: at.y - heightOf(d) / 2 }, data: d, draggable: false, connectable: false };
  });
  const { width = 0, height = 0 } = g.graph();
  return { nodes, edges, bounds: { x: 0, y: 0, width, height } };
}
