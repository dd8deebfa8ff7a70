// I3: a flow definition is checked on save: its shape (zod), then its graph. Every problem is
// collected with the node it concerns, so that the dashboard can mark each one.
import { z } from 'zod';
import { DomainError } from '../../errors.js';
import { characterCount, isStorableText } from '../../shared/text.js';
import { FLOW_NODE_TYPES, type FlowDefinition, type FlowNodeType } from './flows.definition.js';
import type { MediaType } from './instances.table.js';

export const FLOW_LIMITS = { nodes: 200, text: 1000, label: 200, id: 64 } as const;
export const MENU_DIGITS: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];
/** Where a call leaves the flow: queued for agents, a message left, or hung up. */
const END_TYPES: readonly string[] = ['TRANSFER', 'VOICEMAIL', 'HANG_UP'];

/** One problem of a definition; `nodeId` is null for a problem of the whole flow (no START, too many nodes). */
export interface FlowProblem {
  nodeId: string | null;
  message: string;
}

/** FLOW_INVALID naming `definition`, with every problem in `extensions.problems`. */
export class FlowInvalidError extends DomainError {
  constructor(readonly problems: FlowProblem[]) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    super('FLOW_INVALID', `the flow definition is invalid: ${first.nodeId ? `node '${first.nodeId}': ` : ''}${first.message}${more}`, 'definition', {
      problems,
    });
    this.name = 'FlowInvalidError';
  }
}

/** What the checks need of the instance: its skill groups by id, with their media type. */
export type FlowTargets = ReadonlyMap<string, MediaType>;

/** The definition if it is valid, else FlowInvalidError with every problem. */
export function parseFlowDefinition(input: unknown, skillGroups: FlowTargets): FlowDefinition {
  const problems = flowProblems(input, skillGroups);
  if (problems.length) throw new FlowInvalidError(problems);
  return input as FlowDefinition;
}

/** Text PostgreSQL can store: no NUL, no unpaired surrogate. */
const str = () => z.string().refine(isStorableText, { message: 'may not contain NUL characters or unpaired surrogates' });
const text = (max: number) =>
  str()
    .refine((s) => s.trim() !== '', { message: 'must not be empty' })
    .refine((s) => characterCount(s) <= max, { message: `must have at most ${max} characters` });
const nodeRef = str().refine((s) => s !== '', { message: 'must name a node' });
const base = { id: str(), label: text(FLOW_LIMITS.label).optional() };

const NODE_SHAPES: Record<FlowNodeType, z.ZodType> = {
  START: z.strictObject({ ...base, type: z.literal('START'), next: nodeRef }),
  PLAY_PROMPT: z.strictObject({ ...base, type: z.literal('PLAY_PROMPT'), text: text(FLOW_LIMITS.text), next: nodeRef }),
  MENU: z.strictObject({
    ...base,
    type: z.literal('MENU'),
    text: text(FLOW_LIMITS.text),
    options: z
      .array(z.strictObject({ digit: str(), next: nodeRef }))
      .min(1, { message: 'a menu needs at least one option' })
      .max(MENU_DIGITS.length, { message: `a menu has at most ${MENU_DIGITS.length} options` }),
    noInputNext: nodeRef.optional(),
  }),
  TRANSFER: z.strictObject({ ...base, type: z.literal('TRANSFER'), skillGroupId: str(), fallbackNext: nodeRef.optional() }),
  VOICEMAIL: z.strictObject({ ...base, type: z.literal('VOICEMAIL'), text: text(FLOW_LIMITS.text).optional() }),
  HANG_UP: z.strictObject({ ...base, type: z.literal('HANG_UP') }),
};

type RawNode = Record<string, unknown>;
interface Edge {
  field: string;
  target: string;
}

const isObject = (v: unknown): v is RawNode => typeof v === 'object' && v !== null && !Array.isArray(v);
const pathOf = (path: readonly PropertyKey[]) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');

/** Every problem of a definition, in the order of its nodes; an empty list means valid. */
export function flowProblems(input: unknown, skillGroups: FlowTargets): FlowProblem[] {
  if (!isObject(input) || !Array.isArray(input.nodes)) return [{ nodeId: null, message: 'a definition is an object { "nodes": [ … ] }' }];
  const extra = Object.keys(input).filter((k) => k !== 'nodes');
  const problems: FlowProblem[] = extra.map((k) => ({ nodeId: null, message: `unknown field '${k}': a definition has only "nodes"` }));
  const nodes: unknown[] = input.nodes;
  if (nodes.length > FLOW_LIMITS.nodes) return [...problems, { nodeId: null, message: `a flow has at most ${FLOW_LIMITS.nodes} nodes, this one has ${nodes.length}` }];

  // the nodes that can be named: an object with a usable id
  const named: { id: string; node: RawNode; faulty: boolean }[] = [];
  const count = new Map<string, number>();
  nodes.forEach((node, i) => {
    const id = isObject(node) ? node.id : undefined;
    if (typeof id !== 'string' || id.trim() === '' || characterCount(id) > FLOW_LIMITS.id) {
      problems.push({ nodeId: null, message: `nodes[${i}]: ${isObject(node) ? `id must be a text of 1 to ${FLOW_LIMITS.id} characters` : 'a node is an object'}` });
      return;
    }
    count.set(id, (count.get(id) ?? 0) + 1);
    named.push({ id, node: node as RawNode, faulty: false });
  });
  const ids = new Set(count.keys());
  const reported = new Set<string>();
  for (const n of named) {
    const own = [...duplicate(n.id, count, reported), ...shapeProblems(n.node), ...danglingEdges(n.node, ids), ...menuDigits(n.node), ...transferTarget(n.node, skillGroups)];
    n.faulty = own.length > 0;
    problems.push(...own.map((message) => ({ nodeId: n.id, message })));
  }
  return [...problems, ...graphProblems(named)];
}

function duplicate(id: string, count: Map<string, number>, reported: Set<string>): string[] {
  const n = count.get(id)!;
  if (n < 2 || reported.has(id)) return [];
  reported.add(id);
  return [`the id '${id}' is used by ${n} nodes: ids are unique in a flow`];
}

function shapeProblems(node: RawNode): string[] {
  const type = node.type;
  if (typeof type !== 'string') return ['type is required: one of ' + FLOW_NODE_TYPES.join(', ')];
  if (!(FLOW_NODE_TYPES as readonly string[]).includes(type)) return [`unknown node type '${type}' (known: ${FLOW_NODE_TYPES.join(', ')})`];
  const parsed = NODE_SHAPES[type as FlowNodeType].safeParse(node);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => {
    const path = pathOf(issue.path);
    const message = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => `'${k}'`).join(', ')} for a ${type} node` : issue.message;
    return path ? `${path}: ${message}` : message;
  });
}

/** The node's edges that name a node (whatever else is wrong with it), so that the graph checks see them. */
function edgesOf(node: RawNode): Edge[] {
  const edges: Edge[] = [];
  for (const field of ['next', 'noInputNext', 'fallbackNext'])
    if (typeof node[field] === 'string' && node[field] !== '') edges.push({ field, target: node[field] as string });
  if (Array.isArray(node.options))
    node.options.forEach((o, i) => {
      if (isObject(o) && typeof o.next === 'string' && o.next !== '')
        edges.push({ field: `options[${i}]${typeof o.digit === 'string' ? ` (digit ${o.digit})` : ''}.next`, target: o.next });
    });
  return edges;
}

function danglingEdges(node: RawNode, ids: ReadonlySet<string>): string[] {
  return edgesOf(node)
    .filter((e) => !ids.has(e.target))
    .map((e) => `${e.field} names '${e.target}', which is no node of this flow`);
}

function menuDigits(node: RawNode): string[] {
  if (node.type !== 'MENU' || !Array.isArray(node.options)) return [];
  const digits = node.options.map((o) => (isObject(o) ? o.digit : undefined)).filter((d): d is string => typeof d === 'string');
  const problems = digits.filter((d) => !MENU_DIGITS.includes(d)).map((d) => `menu digit '${d}' is not a key of the phone: one of 0-9, * or #`);
  const uses = new Map<string, number>();
  for (const d of digits) uses.set(d, (uses.get(d) ?? 0) + 1);
  for (const [d, n] of uses) if (n > 1) problems.push(`menu digit '${d}' is used by ${n} options: each digit leads to one node`);
  return problems;
}

function transferTarget(node: RawNode, skillGroups: FlowTargets): string[] {
  if (node.type !== 'TRANSFER' || typeof node.skillGroupId !== 'string') return [];
  const media = skillGroups.get(node.skillGroupId);
  if (!media) return ['skillGroupId names no skill group of this instance'];
  if (media !== 'VOICE') return [`skillGroupId names a skill group of ${media} contacts: a call is transferred to a VOICE group`];
  return [];
}

/** Exactly one START; every node reachable from it; from every node, a way out of the flow. */
function graphProblems(named: { id: string; node: RawNode; faulty: boolean }[]): FlowProblem[] {
  const starts = named.filter((n) => n.node.type === 'START');
  if (!starts.length) return [{ nodeId: null, message: 'the flow has no START node: it needs exactly one, where calls enter' }];
  const problems: FlowProblem[] = [];
  if (starts.length > 1) problems.push(...starts.map((s) => ({ nodeId: s.id, message: `one of ${starts.length} START nodes: a flow has exactly one entry` })));
  const next = new Map<string, string[]>(named.map((n) => [n.id, []]));
  const previous = new Map<string, string[]>(named.map((n) => [n.id, []]));
  for (const n of named)
    for (const { target } of edgesOf(n.node))
      if (next.has(target)) (next.get(n.id)!.push(target), previous.get(target)!.push(n.id));
  const reachable = walk(starts.map((s) => s.id), (id) => next.get(id)!);
  // Nodes already at fault count as ways out, so that one mistake is not reported twice.
  const exits = named.filter((n) => END_TYPES.includes(n.node.type as string) || n.faulty).map((n) => n.id);
  const canLeave = walk(exits, (id) => previous.get(id)!);
  for (const id of next.keys()) {
    if (!reachable.has(id)) problems.push({ nodeId: id, message: 'not reachable from START: no path of the flow leads here' });
    else if (!canLeave.has(id)) problems.push({ nodeId: id, message: 'every path from here loops without end: no TRANSFER, VOICEMAIL or HANG_UP can be reached' });
  }
  return problems;
}

function walk(from: string[], step: (id: string) => string[]): Set<string> {
  const seen = new Set(from);
  const queue = [...from];
  while (queue.length) for (const t of step(queue.pop()!)) if (!seen.has(t)) (seen.add(t), queue.push(t));
  return seen;
}
