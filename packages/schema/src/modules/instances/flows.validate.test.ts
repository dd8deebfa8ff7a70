import { describe, expect, it } from 'vitest';
import { welcomeFlowDefinition } from './flows.definition.js';
import { FlowInvalidError, flowProblems, parseFlowDefinition, type FlowTargets } from './flows.validate.js';

const VOICE = 'b7c1e7a8-0000-4000-8000-000000000001';
const CHAT = 'b7c1e7a8-0000-4000-8000-000000000002';
const OTHER_INSTANCE = 'b7c1e7a8-0000-4000-8000-000000000003';
const groups: FlowTargets = new Map([
  [VOICE, 'VOICE'],
  [CHAT, 'CHAT'],
]);

const problems = (nodes: unknown[]) => flowProblems({ nodes }, groups);
/** Problems as `nodeId: message` lines, for one assertion per expectation. */
const lines = (nodes: unknown[]) => problems(nodes).map((p) => `${p.nodeId ?? '-'}: ${p.message}`);

const start = (next = 'bye') => ({ id: 'start', type: 'START', next });
const bye = { id: 'bye', type: 'HANG_UP' };

describe('I3: flow definition validation', () => {
  it('I3: the Welcome flow and a menu flow are valid', () => {
    expect(flowProblems(welcomeFlowDefinition(VOICE), groups)).toEqual([]);
    const menu = [
      start('menu'),
      {
        id: 'menu',
        type: 'MENU',
        label: 'Main menu',
        text: 'Press 1 for sales, # to repeat',
        options: [
          { digit: '1', next: 'sales' },
          { digit: '#', next: 'menu' },
        ],
        noInputNext: 'bye',
      },
      { id: 'sales', type: 'TRANSFER', skillGroupId: VOICE, fallbackNext: 'vm' },
      { id: 'vm', type: 'VOICEMAIL' },
      bye,
    ];
    expect(problems(menu)).toEqual([]);
    expect(parseFlowDefinition({ nodes: menu }, groups)).toEqual({ nodes: menu });
  });

  it('I3: a dangling edge names its node and the missing target', () => {
    expect(lines([start('greet'), { id: 'greet', type: 'PLAY_PROMPT', text: 'Hi', next: 'nowhere' }])).toEqual([
      "greet: next names 'nowhere', which is no node of this flow",
    ]);
    expect(
      lines([start('m'), { id: 'm', type: 'MENU', text: 'Press 1', options: [{ digit: '1', next: 'gone' }], noInputNext: 'lost' }, bye]),
    ).toEqual([
      "m: noInputNext names 'lost', which is no node of this flow",
      "m: options[0] (digit 1).next names 'gone', which is no node of this flow",
      'bye: not reachable from START: no path of the flow leads here',
    ]);
    expect(lines([start(), { id: 't', type: 'TRANSFER', skillGroupId: VOICE, fallbackNext: 'x' }, bye])[0]).toBe(
      "t: fallbackNext names 'x', which is no node of this flow",
    );
  });

  it('I3: no START, two STARTs', () => {
    expect(lines([bye])).toEqual(['-: the flow has no START node: it needs exactly one, where calls enter']);
    expect(lines([])).toEqual(['-: the flow has no START node: it needs exactly one, where calls enter']);
    expect(lines([start(), { id: 'start2', type: 'START', next: 'bye' }, bye])).toEqual([
      'start: one of 2 START nodes: a flow has exactly one entry',
      'start2: one of 2 START nodes: a flow has exactly one entry',
    ]);
  });

  it('I3: an unreachable node is named', () => {
    expect(lines([start(), bye, { id: 'island', type: 'VOICEMAIL' }])).toEqual(['island: not reachable from START: no path of the flow leads here']);
  });

  it('I3: a flow of cycles only is refused, each looping node named', () => {
    const loop = [
      start('a'),
      { id: 'a', type: 'PLAY_PROMPT', text: 'A', next: 'b' },
      { id: 'b', type: 'MENU', text: 'B', options: [{ digit: '1', next: 'a' }], noInputNext: 'b' },
    ];
    const found = problems(loop);
    expect(found.map((p) => p.nodeId)).toEqual(['start', 'a', 'b']);
    expect(found[0]!.message).toMatch(/loops without end/);
    // the same cycle with no START at all
    expect(lines(loop.slice(1))).toEqual(['-: the flow has no START node: it needs exactly one, where calls enter']);
    // a way out of the loop makes it a valid flow
    expect(problems([...loop.slice(0, 2), { ...loop[2], options: [{ digit: '1', next: 'a' }, { digit: '0', next: 'bye' }] }, bye])).toEqual([]);
  });

  it('I3: menu digits must be unique and keys of a phone', () => {
    const menu = {
      id: 'm',
      type: 'MENU',
      text: 'Press',
      options: [
        { digit: '1', next: 'bye' },
        { digit: '1', next: 'bye' },
        { digit: 'A', next: 'bye' },
        { digit: '12', next: 'bye' },
      ],
    };
    expect(lines([start('m'), menu, bye])).toEqual([
      "m: menu digit 'A' is not a key of the phone: one of 0-9, * or #",
      "m: menu digit '12' is not a key of the phone: one of 0-9, * or #",
      "m: menu digit '1' is used by 2 options: each digit leads to one node",
    ]);
  });

  it('I3: an unknown node type names the node and the type', () => {
    expect(lines([start('x'), { id: 'x', type: 'SEND_FAX', next: 'bye' }, bye])).toEqual([
      "x: unknown node type 'SEND_FAX' (known: START, PLAY_PROMPT, MENU, TRANSFER, VOICEMAIL, HANG_UP)",
    ]);
    expect(lines([start('x'), { id: 'x' }])[0]).toMatch(/^x: type is required/);
  });

  it('I3: a transfer goes to a VOICE skill group of this instance', () => {
    expect(lines([start('t'), { id: 't', type: 'TRANSFER', skillGroupId: OTHER_INSTANCE }])).toEqual([
      't: skillGroupId names no skill group of this instance',
    ]);
    expect(lines([start('t'), { id: 't', type: 'TRANSFER', skillGroupId: CHAT }])).toEqual([
      't: skillGroupId names a skill group of CHAT contacts: a call is transferred to a VOICE group',
    ]);
  });

  it('I3: duplicate ids, missing ids, shape and size limits are named', () => {
    expect(lines([start(), bye, { id: 'bye', type: 'VOICEMAIL' }])).toEqual(["bye: the id 'bye' is used by 2 nodes: ids are unique in a flow"]);
    expect(lines([start(), bye, { type: 'HANG_UP' }, 'x'])).toEqual([
      '-: nodes[2]: id must be a text of 1 to 64 characters',
      '-: nodes[3]: a node is an object',
    ]);
    const long = 'x'.repeat(1001);
    expect(lines([start('p'), { id: 'p', type: 'PLAY_PROMPT', text: long, next: 'bye', colour: 'red' }, bye])).toEqual([
      'p: text: must have at most 1000 characters',
      "p: unknown field 'colour' for a PLAY_PROMPT node",
    ]);
    expect(lines([start('p'), { id: 'p', type: 'PLAY_PROMPT', text: ' ', next: 'bye' }, bye])).toEqual(['p: text: must not be empty']);
    expect(lines([start('p'), { id: 'p', type: 'PLAY_PROMPT', text: 'a\u0000b', next: 'bye' }, bye])).toEqual(['p: text: may not contain NUL characters or unpaired surrogates']);
    expect(lines([{ id: 'start', type: 'START' }])[0]).toMatch(/^start: next: /);
    const many = [start('n0'), ...Array.from({ length: 200 }, (_, i) => ({ id: `n${i}`, type: 'PLAY_PROMPT', text: 'x', next: i < 199 ? `n${i + 1}` : 'start' }))];
    expect(lines(many)).toEqual(['-: a flow has at most 200 nodes, this one has 201']);
    expect(flowProblems('nodes', groups)).toEqual([{ nodeId: null, message: 'a definition is an object { "nodes": [ … ] }' }]);
    expect(flowProblems({ nodes: [start(), bye], edges: [] }, groups)).toEqual([{ nodeId: null, message: "unknown field 'edges': a definition has only \"nodes\"" }]);
  });

  it('I3: the error is FLOW_INVALID naming definition, with every problem', () => {
    let err: unknown;
    try {
      parseFlowDefinition({ nodes: [start('gone'), { id: 'island', type: 'HANG_UP' }] }, groups);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FlowInvalidError);
    const e = err as FlowInvalidError;
    expect(e.code).toBe('FLOW_INVALID');
    expect(e.field).toBe('definition');
    expect(e.extensions.problems).toEqual([
      { nodeId: 'start', message: "next names 'gone', which is no node of this flow" },
      { nodeId: 'island', message: 'not reachable from START: no path of the flow leads here' },
    ]);
    expect(e.message).toBe("the flow definition is invalid: node 'start': next names 'gone', which is no node of this flow (and 1 more problem)");
  });
});
