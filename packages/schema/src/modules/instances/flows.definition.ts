// I3, I6: an IVR flow's definition, a small graph of nodes. The validator (flows.validate.ts)
// checks it on save; calls (a later module) walk the published version from its START node.

export const FLOW_NODE_TYPES = ['START', 'PLAY_PROMPT', 'MENU', 'TRANSFER', 'VOICEMAIL', 'HANG_UP'] as const;
export type FlowNodeType = (typeof FLOW_NODE_TYPES)[number];

interface NodeBase {
  /** Unique in the flow; what edges and validation errors name. */
  id: string;
  /** Shown in the dashboard's drawing; defaults to the id. */
  label?: string;
}

/** The one entry of the flow. */
export interface StartNode extends NodeBase {
  type: 'START';
  next: string;
}
export interface PlayPromptNode extends NodeBase {
  type: 'PLAY_PROMPT';
  text: string;
  next: string;
}
/** A key press leads on: each digit (0–9, *, #) at most once; no input leads to `noInputNext`. */
export interface MenuNode extends NodeBase {
  type: 'MENU';
  text: string;
  options: { digit: string; next: string }[];
  noInputNext?: string;
}
/** Queues the call for a skill group of this instance; `fallbackNext` when no agent takes it. */
export interface TransferNode extends NodeBase {
  type: 'TRANSFER';
  skillGroupId: string;
  fallbackNext?: string;
}
export interface VoicemailNode extends NodeBase {
  type: 'VOICEMAIL';
  text?: string;
}
export interface HangUpNode extends NodeBase {
  type: 'HANG_UP';
}

export type FlowNode = StartNode | PlayPromptNode | MenuNode | TransferNode | VoicemailNode | HangUpNode;

export interface FlowDefinition {
  nodes: FlowNode[];
}

/** I2: the Welcome flow every new instance gets: greet, queue for the default group, else voicemail. */
export function welcomeFlowDefinition(defaultSkillGroupId: string): FlowDefinition {
  return {
    nodes: [
      { id: 'start', type: 'START', next: 'greeting' },
      { id: 'greeting', type: 'PLAY_PROMPT', text: 'Welcome. Please hold while we connect you to an agent.', next: 'queue' },
      { id: 'queue', type: 'TRANSFER', skillGroupId: defaultSkillGroupId, fallbackNext: 'voicemail' },
      { id: 'voicemail', type: 'VOICEMAIL', text: 'All our agents are busy. Please leave a message after the tone.' },
    ],
  };
}
