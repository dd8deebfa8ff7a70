// V3 in the simulator: now and then a voice app's switch (its PARTNER key) sends a voice message
// through the public API, reports it DELIVERING, and after the ring its outcome: mostly ANSWERED
// with a realistic talk time (the message read out once or twice), some UNANSWERED or REJECTED.
// An app with no open number or no minute left is left alone for a while (that is the tenant's
// state, not a fault); a run that ends mid-message reports it FAILED, which is free.
import { globalId } from '@callplane/schema/core';
import { ApiError, type Gql } from './api.js';
import type { CallRun } from './calls.js';

export const ANSWERED_SHARE = 0.7;
export const REJECTED_SHARE = 0.1;
/** How long an app without a number or minutes is left alone. */
const PAUSE_MS = 60_000;

export interface SimVoiceApp {
  /** The VoiceApp's global id. */
  id: string;
  name: string;
  gql: Gql;
  /** Date.now() before which no message is sent (NO_MINUTES_LEFT, VOICE_NUMBER_NOT_OPEN). */
  pausedUntil: number;
}

const SEND = `mutation SimulatorVoiceSend($input: SendVoiceMessageInput!) { sendVoiceMessage(input: $input) { id } }`;
const REPORT = `mutation SimulatorVoiceReport($reports: [VoiceMessageReportInput!]!) {
  reportVoiceMessages(reports: $reports) { status error { code field message } } }`;
const TEXTS = [
  'Your parcel will arrive today between 2 and 4 pm.',
  'Your verification code is 4 8 2 9 1.',
  'This is a reminder of your appointment tomorrow at 10 am.',
  '您的快递今天下午送达，请保持电话畅通。',
  'Your order has shipped. Reply to the courier if you are not at home.',
];

/** The voice apps of the run's keys: the global id of each app row. */
export const simVoiceApps = (apps: { id: string; name: string; gql: Gql }[]): SimVoiceApp[] =>
  apps.map((a) => ({ ...a, id: globalId('VoiceApp', a.id), pausedUntil: 0 }));

async function report(app: SimVoiceApp, item: Record<string, unknown>): Promise<void> {
  const [r] = (await app.gql('reportVoiceMessages', REPORT, { reports: [item] })).reportVoiceMessages;
  if (r.status === 'ERROR') throw new ApiError('reportVoiceMessages', [{ message: r.error.message, extensions: { code: r.error.code, field: r.error.field } }]);
}

/** One voice message of the app, from send to outcome. */
export async function voiceMessage(run: CallRun, app: SimVoiceApp): Promise<void> {
  if (Date.now() < app.pausedUntil) return;
  const r = run.random;
  let messageId: string;
  try {
    const input = { appId: app.id, to: r.mobile(), text: r.pick(TEXTS) };
    messageId = (await app.gql('sendVoiceMessage', SEND, { input })).sendVoiceMessage.id;
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'NO_MINUTES_LEFT' || err.code === 'VOICE_NUMBER_NOT_OPEN')) {
      app.pausedUntil = Date.now() + PAUSE_MS;
      return;
    }
    throw err;
  }
  const stats = run.stats;
  stats.voiceMessages = (stats.voiceMessages ?? 0) + 1;
  const at = () => run.now();
  if (!(await run.wait(r.between(1, 3)))) return report(app, { messageId, status: 'FAILED', failureReason: 'SIMULATOR_STOPPED', at: at() });
  await report(app, { messageId, status: 'DELIVERING', at: at() });
  const roll = r.next();
  if (roll < REJECTED_SHARE) {
    const ringing = await run.wait(r.between(2, 8));
    return report(app, { messageId, status: ringing ? 'REJECTED' : 'FAILED', failureReason: ringing ? 'CALLEE_REJECTED' : 'SIMULATOR_STOPPED', at: at() });
  }
  if (roll < 1 - ANSWERED_SHARE) {
    const ringing = await run.wait(r.between(20, 40));
    return report(app, { messageId, status: ringing ? 'UNANSWERED' : 'FAILED', failureReason: ringing ? 'NO_ANSWER' : 'SIMULATOR_STOPPED', at: at() });
  }
  if (!(await run.wait(r.between(2, 12)))) return report(app, { messageId, status: 'FAILED', failureReason: 'SIMULATOR_STOPPED', at: at() });
  // read out once (about 15–40 s), sometimes twice; the callee may hang up early
  const talk = Math.round(r.chance(0.25) ? r.between(30, 80) : r.chance(0.2) ? r.between(3, 15) : r.between(15, 40));
  await run.wait(talk);
  await report(app, { messageId, status: 'ANSWERED', durationSeconds: talk, at: at() });
  stats.voiceAnswered = (stats.voiceAnswered ?? 0) + 1;
}
