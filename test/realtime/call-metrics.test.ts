import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWithAcmeAndBeta, collect, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { runningInstanceOn } from '../support/instances.js';

/** C1/I3 over WebSockets: an instance's call events drive its agents' statuses and push its queue metrics. */

let t: TestApp;
let acme: TenantFixture;
beforeAll(async () => void ({ t, acme } = await appWithAcmeAndBeta()));
afterAll(() => t?.stop());

const REPORT = `mutation($events: [CallEventInput!]!) { reportCallEvents(events: $events) { status error { code field } } }`;
const METRICS_SUB = `subscription($i: ID!, $after: String) { instanceMetricsChanged(instanceId: $i, after: $after) {
  agentsAvailable agentsOnContact agentsAfterContactWork contactsInQueue oldestContactAgeSeconds
  skillGroups { skillGroup { name } contactsInQueue oldestContactAgeSeconds } } }`;
const STATUS_SUB = `subscription($after: String, $i: ID) { agentStatusChanged(after: $after, instanceId: $i) { status previousStatus agentId } }`;

let seq = 0;
const report = async (events: Record<string, unknown>[]) => {
  const items = ok(await t.gql(REPORT, { events: events.map((e) => ({ eventId: `cm-${process.pid}-${++seq}`, occurredAt: t.clock.now().toISOString(), ...e })) }, acme.keys.admin)).reportCallEvents;
  expect(items).toEqual(events.map(() => ({ status: 'STORED', error: null })));
};

const advance = async (seconds: number) => ok(await t.gql(`mutation($s: Int!) { advanceClock(seconds: $s) }`, { s: seconds }));

describe('call events drive the agent board (C1, I3)', () => {
  it('C1/I3: queued calls raise contactsInQueue with their age by the clock; ALERTING/ANSWER/DISCONNECT move the agent RINGING → TALKING → AFTER_CALL_WORK; each is pushed live', async () => {
    const { instance, number } = await runningInstanceOn(t, acme);
    const db = t.app.systemContext().db;
    const admin = await db.selectFrom('agents').select('id').where('instance_id', '=', instance.id).executeTakeFirstOrThrow();
    const group = await db.selectFrom('skill_groups').select('id').where('instance_id', '=', instance.id).executeTakeFirstOrThrow();
    const [i, agentId, skillGroupId] = [gid('Instance', instance.id), gid('Agent', admin.id), gid('SkillGroup', group.id)];
    ok(await t.gql(`mutation($a: ID!) { setAgentStatus(agentId: $a, status: READY) { id } }`, { a: agentId }, acme.keys.admin));
    const after = await t.cursor();
    const metrics = collect<any>(t.wsClient(acme.keys.supervisor), METRICS_SUB, { i, after });
    const statuses = collect<any>(t.wsClient(acme.keys.supervisor), STATUS_SUB, { i, after });
    const last = () => metrics.items.at(-1)?.instanceMetricsChanged;
    const queue = (m: any) => [m.contactsInQueue, m.oldestContactAgeSeconds, m.skillGroups[0].contactsInQueue, m.skillGroups[0].oldestContactAgeSeconds];

    const queueCall = (callId: string) => report([{ callId, type: 'CALLIN', caller: '+8613800001111', called: number.e164 }, { callId, type: 'QUEUED', skillGroupId }]);
    await queueCall('cm-first');
    await metrics.waitFor(() => last()?.contactsInQueue === 1);
    expect(queue(last())).toEqual([1, 0, 1, 0]);

    await advance(25);
    await queueCall('cm-second');
    await metrics.waitFor(() => last()?.contactsInQueue === 2);
    expect(queue(last())).toEqual([2, 25, 2, 25]);

    await advance(5);
    await report([{ callId: 'cm-first', type: 'ALERTING', agentId }]);
    await metrics.waitFor(() => last()?.agentsOnContact === 1);
    // the second call waits alone now, queued 5 s ago
    expect(last()).toMatchObject({ agentsAvailable: 0, agentsOnContact: 1, contactsInQueue: 1, oldestContactAgeSeconds: 5 });

    await report([{ callId: 'cm-first', type: 'ANSWER', agentId }]);
    await advance(60);
    await report([{ callId: 'cm-first', type: 'DISCONNECT' }]);
    await metrics.waitFor(() => last()?.agentsAfterContactWork === 1);
    expect(last()).toMatchObject({ agentsOnContact: 0, agentsAfterContactWork: 1, contactsInQueue: 1, oldestContactAgeSeconds: 65 });

    // `after` is a safe cursor: the READY set just before it may be replayed; the call's own changes follow it
    const moves = () => statuses.items.map((s) => s.agentStatusChanged).filter((s) => s.status !== 'READY');
    await statuses.waitFor(() => moves().length >= 3);
    expect(moves()).toEqual([
      { status: 'RINGING', previousStatus: 'READY', agentId },
      { status: 'TALKING', previousStatus: 'RINGING', agentId },
      { status: 'AFTER_CALL_WORK', previousStatus: 'TALKING', agentId },
    ]);
  });
});
