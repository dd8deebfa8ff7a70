// What one simulated call does, step by step, as a switch would report it (C1): a privacy call is
// routed with routeCall (P8) and reported with the app's PARTNER key; an instance call queues for a
// skill group and reaches a free agent (I3), reported with the tenant admin's key. Times are the
// switch's: ring 2–15 s, talk 10–300 s, divided by the run's speed.
import type { Gql } from './api.js';
import type { AgentPool } from './agents.js';
import type { Random } from './random.js';
import type { SimCallEvent } from './reporter.js';
import type { SimApp, SimBinding, SimInstance } from './world.js';

export const UNANSWERED_SHARE = 0.2;

export interface SimulatorStats {
  calls: number;
  answered: number;
  unanswered: number;
  rejected: number;
  /** Calls not ended yet. */
  live: number;
  events: number;
  sms: number;
  /** V3: voice messages sent (voice.ts), and of them answered; absent until a voice app sends. */
  voiceMessages?: number;
  voiceAnswered?: number;
  errors: number;
  elapsedSeconds: number;
}

/** What a call script needs from the run. */
export interface CallRun {
  random: Random;
  stats: SimulatorStats;
  admin: Gql;
  /** Waits `seconds` of the switch's time; false when the run is ending (hang up now). */
  wait(seconds: number): Promise<boolean>;
  /** Reports an event of the call at the current time; resolves once it was sent. */
  report(gql: Gql, callId: string, event: Omit<SimCallEvent, 'eventId' | 'callId' | 'occurredAt'>): Promise<void>;
  nextId(kind: string): string;
  /** The switch's time now, ISO. */
  now(): string;
}

const ROUTE = `query SimulatorRoute($caller: String!, $called: String!, $extension: String) {
  routeCall(caller: $caller, called: $called, extension: $extension) { action bindingId callee maxDurationSeconds record stateCode reason } }`;
const READY = `mutation SimulatorAgentReady($agentId: ID!) { setAgentStatus(agentId: $agentId, status: READY) { id } }`;
const SMS = `mutation SimulatorSms($messages: [SmsInput!]!) { reportSms(messages: $messages) { __typename } }`;

/** Who calls X: a party of the binding in an allowed direction, or (`refused`) someone the binding refuses. */
function dial(r: Random, b: SimBinding, refused: boolean): { caller: string; extension: string | null } {
  if (refused) {
    // AXB: a stranger is refused (8014); AXE: an extension nobody holds
    if (b.mode === 'AXB') return { caller: r.mobile(), extension: null };
    let extension = b.extension ?? '';
    while (extension === b.extension) extension = r.digits(b.extension?.length ?? 1);
    return { caller: r.mobile(), extension };
  }
  if (b.mode !== 'AXB') return { caller: r.mobile(), extension: b.extension };
  const fromA = b.direction === 'A_TO_B' || (b.direction === 'BOTH' && r.chance(0.5));
  return { caller: fromA ? b.a : b.b!, extension: null };
}

/** Bindings that refuse some callers (AX takes anyone's call). */
export const refusing = (app: SimApp) => app.bindings.filter((b) => b.mode !== 'AX');

/** P8 → C1: a call to one of the app's X numbers, from CALLIN to DISCONNECT; `refused`: dialled so that routing refuses it. */
export async function privacyCall(run: CallRun, app: SimApp, refused = false): Promise<void> {
  const r = run.random;
  const binding = r.pick(refused ? refusing(app) : app.bindings);
  const { caller, extension } = dial(r, binding, refused);
  const route = (await app.gql('routeCall', ROUTE, { caller, called: binding.x, extension })).routeCall;
  const callId = run.nextId('call');
  const report = (e: Parameters<CallRun['report']>[2]) => run.report(app.gql, callId, e);
  run.stats.calls++;
  run.stats.live++;
  try {
    void report({ type: 'CALLIN', caller, called: binding.x, bindingId: route.bindingId });
    if (route.action === 'REJECT') {
      run.stats.rejected++;
      await run.wait(r.between(0.5, 2));
      await report({ type: 'DISCONNECT', failureReason: `REJECTED ${route.stateCode ?? ''} ${route.reason ?? ''}`.trim() });
      return;
    }
    await run.wait(r.between(0.5, 1.5));
    void report({ type: 'CALLOUT', callee: route.callee });
    await run.wait(r.between(0.5, 1.5));
    void report({ type: 'ALERTING' });
    const answers = !r.chance(UNANSWERED_SHARE);
    const rang = await run.wait(r.between(2, 15));
    if (!answers || !rang) {
      run.stats.unanswered++;
      await report({ type: 'DISCONNECT', failureReason: rang ? r.pick(['NO_ANSWER', 'NO_ANSWER', 'NO_ANSWER', 'BUSY']) : 'CALLER_HUNG_UP' });
      return;
    }
    void report({ type: 'ANSWER' });
    run.stats.answered++;
    const cap = route.maxDurationSeconds ?? Infinity;
    const talk = Math.min(r.between(10, 300), cap);
    await run.wait(talk);
    await report({
      type: 'DISCONNECT',
      failureReason: talk >= cap ? 'MAX_DURATION' : null,
      recordingUrl: route.record ? `https://recordings.simulator.callplane.local/${callId}.mp3` : null,
    });
  } finally {
    run.stats.live--;
  }
}

/** I3 → C1: a call to an instance's number: IVR, QUEUED for a skill group, an agent rings and talks, after-call work, READY again. */
export async function instanceCall(run: CallRun, instance: SimInstance, agents: AgentPool): Promise<void> {
  const r = run.random;
  const callId = run.nextId('call');
  const report = (e: Parameters<CallRun['report']>[2]) => run.report(run.admin, callId, e);
  run.stats.calls++;
  run.stats.live++;
  try {
    void report({ type: 'CALLIN', caller: r.mobile(), called: instance.number });
    const group = r.pick(instance.groups);
    const hangUp = (failureReason: string) => {
      run.stats.unanswered++;
      return report({ type: 'DISCONNECT', failureReason });
    };
    if (!(await run.wait(r.between(3, 10)))) return await hangUp('CALLER_HUNG_UP'); // in the IVR
    void report({ type: 'QUEUED', skillGroupId: group.id });
    const agentId = await agents.take(group.agents, run.wait(r.between(60, 180)));
    if (!agentId) return await hangUp('ABANDONED_IN_QUEUE');
    void report({ type: 'ALERTING', agentId });
    const answers = !r.chance(UNANSWERED_SHARE / 2);
    const rang = await run.wait(r.between(2, 8));
    if (!answers || !rang) {
      // the server puts an agent whose ringing call ended back to READY itself
      await hangUp(rang ? 'NO_ANSWER' : 'CALLER_HUNG_UP');
      return agents.release(agentId);
    }
    void report({ type: 'ANSWER', agentId });
    run.stats.answered++;
    await run.wait(r.between(10, 300));
    await report({ type: 'DISCONNECT' });
    await run.wait(r.between(5, 30)); // after-call work
    await run.admin('setAgentStatus', READY, { agentId });
    agents.release(agentId);
  } finally {
    run.stats.live--;
  }
}

/** C4: an SMS to X, now and then. */
export async function sms(run: CallRun, app: SimApp): Promise<void> {
  const r = run.random;
  const b = r.pick(app.bindings);
  // AXB: one party writes to the other through X; AX / AXE: a customer writes to X
  const from = b.mode === 'AXB' ? (r.chance(0.5) ? b.b! : b.a) : r.mobile();
  const text = r.pick(['On my way, 5 minutes.', 'I am at the gate.', 'Please call me back.', 'Thanks, received.', '到了，在门口等你。']);
  await app.gql('reportSms', SMS, { messages: [{ messageId: run.nextId('sms'), from, to: b.x, text, sentAt: run.now() }] });
  run.stats.sms++;
}
