import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyForLocalNumber, approvedQualification } from '../support/application-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { gid, ok } from '../support/graphql.js';
import { partnerKey } from '../support/partner-keys.js';
import { privacyApps } from '../support/privacy-fixtures.js';

/** The overview's counts (issue 14): applicationCounts (N3) and webhookHealth (C3), through the read policy. */

let t: TestApp;
let A: TenantFixture, B: TenantFixture;
let apps: { app1: string; app2: string; app3: string };
let partner1: string, partner2: string;

const Q = {
  reject: `mutation($id: ID!) { reviewNumberApplication(id: $id, decision: REJECT, reason: "Script incomplete") { status } }`,
  counts: `{ applicationCounts { status count } }`,
  health: `query($app: ID) { webhookHealth(appId: $app) { pending failing dead delivered lastFailureAt } }`,
};

/** The non-zero counts, as status → count. */
const counts = async (key: string) =>
  Object.fromEntries((ok(await t.gql(Q.counts, {}, key)).applicationCounts as { status: string; count: number }[]).filter((c) => c.count).map((c) => [c.status, c.count]));
const health = async (key: string, app?: string) => ok(await t.gql(Q.health, { app: app ? gid('PrivacyApp', app) : null }, key)).webhookHealth;

beforeAll(async () => {
  t = await startTestApp();
  A = await t.tenant('Acme');
  B = await t.tenant('Beta');
  const [qa, qb] = [await approvedQualification(t, A), await approvedQualification(t, B)];
  await applyForLocalNumber(t, A, qa);
  await applyForLocalNumber(t, A, qa);
  ok(await t.gql(Q.reject, { id: await applyForLocalNumber(t, A, qa) }));
  await applyForLocalNumber(t, B, qb);

  apps = await privacyApps(t, A, B);
  partner1 = await partnerKey(t, A, apps.app1, 'app1');
  partner2 = await partnerKey(t, A, apps.app2, 'app2');
  // deliveries in each state, stored as the delivery job leaves them (inserted: no job runs them meanwhile)
  const db = t.app.systemContext().db;
  const tenantOf = { [apps.app1]: A.tenantId, [apps.app2]: A.tenantId, [apps.app3]: B.tenantId };
  const failedAt = new Date('2026-11-30T08:00:00Z');
  const delivery = (appId: string, status: 'PENDING' | 'DELIVERED' | 'DEAD', attempts: number) => ({
    tenant_id: tenantOf[appId]!,
    app_id: appId,
    kind: 'CDR' as const,
    url: 'https://hooks.example/cdr',
    payload: JSON.stringify([{ cdrId: 'c' }]),
    item_count: 1,
    status,
    attempts,
    next_attempt_at: status === 'PENDING' ? failedAt : null,
    last_attempt_at: attempts ? failedAt : null,
    created_at: failedAt,
    updated_at: failedAt,
  });
  await db
    .insertInto('deliveries')
    .values([
      delivery(apps.app1, 'PENDING', 0),
      delivery(apps.app1, 'PENDING', 2),
      delivery(apps.app2, 'PENDING', 3),
      delivery(apps.app1, 'DEAD', 7),
      delivery(apps.app1, 'DELIVERED', 1),
      delivery(apps.app3, 'PENDING', 0),
    ])
    .execute();
}, 60_000);
afterAll(() => t?.stop());

describe('overview counts', () => {
  it('N3: applicationCounts: every status in pipeline order, the tenant’s applications counted per status', async () => {
    const all = ok(await t.gql(Q.counts, {}, A.keys.supervisor)).applicationCounts;
    expect(all.map((c: { status: string }) => c.status)).toEqual(['PENDING_REVIEW', 'REJECTED', 'APPROVED', 'PENDING_PAYMENT', 'COMPLETED', 'CLOSED']);
    expect(await counts(A.keys.admin)).toEqual({ PENDING_REVIEW: 2, REJECTED: 1 });
    expect(await counts(A.keys.supervisor)).toEqual({ PENDING_REVIEW: 2, REJECTED: 1 });
  });

  it('N3: applicationCounts isolation: another tenant counts its own, the OPERATOR all, a PARTNER key none', async () => {
    expect(await counts(B.keys.admin)).toEqual({ PENDING_REVIEW: 1 });
    expect(await counts(t.operatorKey)).toEqual({ PENDING_REVIEW: 3, REJECTED: 1 });
    expect(await counts(A.keys.partner)).toEqual({});
    expect(await counts(partner1)).toEqual({});
  });

  it('C3: webhookHealth counts pending, failing (retried after a failed attempt) and dead deliveries, with the last failure', async () => {
    expect(await health(A.keys.supervisor)).toEqual({ pending: 3, failing: 2, dead: 1, delivered: 1, lastFailureAt: '2026-11-30T08:00:00.000Z' });
    expect(await health(A.keys.admin, apps.app1)).toMatchObject({ pending: 2, failing: 1, dead: 1, delivered: 1 });
  });

  it('C3: webhookHealth isolation: another tenant, the OPERATOR, each app’s PARTNER key; a foreign app filter counts nothing', async () => {
    expect(await health(B.keys.admin)).toEqual({ pending: 1, failing: 0, dead: 0, delivered: 0, lastFailureAt: null });
    expect(await health(t.operatorKey)).toMatchObject({ pending: 4, failing: 2, dead: 1, delivered: 1 });
    expect(await health(partner1)).toMatchObject({ pending: 2, failing: 1, dead: 1, delivered: 1 });
    expect(await health(partner2)).toMatchObject({ pending: 1, failing: 1, dead: 0, delivered: 0 });
    expect(await health(B.keys.admin, apps.app1)).toMatchObject({ pending: 0, failing: 0, dead: 0, delivered: 0 });
    expect(await health(partner2, apps.app1)).toMatchObject({ pending: 0, failing: 0, dead: 0, delivered: 0 });
  });
});
