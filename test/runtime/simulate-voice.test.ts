import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintSimulatorKeys } from '@callplane/server/simulator/setup.ts';
import { startSimulator } from '@callplane/server/simulator/simulator.ts';
import { progressLine, summaryLine } from '@callplane/server/simulator/progress.ts';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { ok } from '../support/graphql.js';
import { packageRow, voiceApp, voicePackage, voiceWorldOf } from '../support/voice-fixtures.js';

/**
 * V3 in the traffic simulator: a tenant with only a voice app (an open number, a package) gets voice
 * messages sent and their outcomes reported through the public API with the app's PARTNER key;
 * every message ends in a final status, and the package lost exactly the answered minutes.
 */
let t: TestApp;
let tenant: TenantFixture;
let packageId: string;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await t.tenant('Voice only');
  const w = voiceWorldOf(t);
  await voiceApp(w, tenant.tenantId, { name: 'Parcel alerts' });
  await voiceApp(w, tenant.tenantId, { name: 'No numbers', numbers: 0 });
  packageId = await voicePackage(w, tenant.tenantId, { total: 1000, expiresAt: new Date(t.clock.now().getTime() + 30 * 86_400_000) });
});
afterAll(() => t?.stop());

const LIST = `{ voiceMessages(first: 100) { edges { node { id status durationSeconds billedMinutes unbilledMinutes to } } } }`;

describe('V3: the simulator sends voice messages', { timeout: 120_000 }, () => {
  it('V3: messages through the API with the app’s PARTNER key, answered with a talk time or unanswered/rejected, each ending final; the package pays exactly the answered minutes', async () => {
    const minted = await mintSimulatorKeys(t.app.systemContext(), { tenant: tenant.tenantId, validForSeconds: 3600 });
    expect(minted.keys.voiceApps?.map((a) => a.name)).toEqual(['Parcel alerts']);
    const errors: string[] = [];
    const sim = await startSimulator({ url: t.url, keys: minted.keys, rate: 12, speed: 40, durationSeconds: 2, voiceShare: 1, onError: (e) => errors.push(e.message) });
    expect(sim.voiceApps.map((a) => a.name)).toEqual(['Parcel alerts']);
    const stats = await sim.done;
    await minted.revoke();
    expect(errors).toEqual([]);
    expect(stats.voiceMessages).toBeGreaterThanOrEqual(5);
    expect(progressLine(stats)).toMatch(/ voice \d+ {2}errors 0$/);
    expect(summaryLine(stats)).toMatch(/; \d+ voice messages \(\d+ answered\)$/);

    const messages = ok(await t.gql(LIST, {}, tenant.keys.admin)).voiceMessages.edges.map((e: any) => e.node);
    expect(messages).toHaveLength(stats.voiceMessages!);
    expect(messages.filter((m: any) => ['QUEUED', 'DELIVERING'].includes(m.status))).toEqual([]);
    const answered = messages.filter((m: any) => m.status === 'ANSWERED');
    expect(answered).toHaveLength(stats.voiceAnswered ?? 0);
    for (const m of answered) expect(m.billedMinutes).toBe(Math.ceil(m.durationSeconds / 60));
    expect(messages.filter((m: any) => m.status !== 'ANSWERED').every((m: any) => m.billedMinutes === 0)).toBe(true);
    const billed = answered.reduce((s: number, m: any) => s + m.billedMinutes, 0);
    expect(await packageRow(voiceWorldOf(t), packageId)).toEqual({ remaining_minutes: 1000 - billed, reserved_minutes: 0 });
    // the run's keys are revoked
    const keys = await t.app.db.selectFrom('api_keys').select(['role', 'revoked_at']).where('label', '=', 'simulator').where('tenant_id', '=', tenant.tenantId).execute();
    expect(keys.map((k) => k.role).sort()).toEqual(['PARTNER', 'TENANT_ADMIN']);
    expect(keys.every((k) => k.revoked_at)).toBe(true);
  });
});
