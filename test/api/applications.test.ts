import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantFixture } from '../support/context.js';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import { gid, ok } from '../support/graphql.js';
import { applicationInput } from '../support/application-fixtures.js';
import { minimalQualificationInput } from '@callplane/schema/testing';

let t: TestApp;
let acme: TenantFixture;
let beta: TenantFixture;
const q: Record<string, string> = {};

const SUBMIT_Q = `mutation($input: QualificationInput!) { submitQualification(input: $input) { id } }`;
const REVIEW_Q = `mutation($id: ID!) { reviewQualification(id: $id, decision: APPROVE) { status } }`;
const IMPORT = `mutation($rows: [NumberImportRow!]!) { importNumbers(rows: $rows) { created errors { row field message } } }`;
const APP_FIELDS = `id ticketNo appliedAt status numberStatus reviewReason statusReason type tier callType quantity
  materialsStatus materialsDueAt scenarios { scenario script } contactMobile contactEmail qualification { id kind }
  order { id orderNo status total lines { tariffCode quantity amount } } numbers { e164 status termEnd }
  emails { to subject body sentAt } materials { document { documentType fileName } } materialsHandler { name }`;
const APPLY = `mutation($input: NumberApplicationInput!) { applyForNumbers(input: $input) { ${APP_FIELDS} } }`;
const REVIEW = `mutation($id: ID!, $d: ReviewDecision!, $r: String) { reviewNumberApplication(id: $id, decision: $d, reason: $r) { id status numberStatus reviewReason } }`;
const GET = `query($id: ID!) { numberApplication(id: $id) { ${APP_FIELDS} } }`;
const ADVANCE = `mutation($s: Int!) { advanceClock(seconds: $s) }`;
const PAY = `mutation($o: ID!) { payOrder(orderId: $o) { status } }`;
const TOP_UP = `mutation($t: ID!, $a: Decimal!) { topUpBalance(tenantId: $t, amount: $a) { amount } }`;
const CHANGES = `subscription { applicationStatusChanged(after: "0-0") { cursor ticketNo status previousStatus numberStatus previousNumberStatus materialsStatus reason application { id tenant { id } } } }`;

const input = (over: Record<string, unknown> = {}) => applicationInput(q.acmeStd, over);

async function approvedQualification(tenant: TenantFixture, kind: 'STANDARD' | 'TOLL_FREE_400', approve = true): Promise<string> {
  const sub = ok(await t.gql(SUBMIT_Q, { input: { ...minimalQualificationInput, kind } }, tenant.keys.admin)).submitQualification.id as string;
  if (approve) ok(await t.gql(REVIEW_Q, { id: sub }));
  return sub;
}

const DOC_TYPES = ['AUTHORIZATION_LETTER', 'BUSINESS_ACCEPTANCE_FORM', 'SECURITY_SERVICE_AGREEMENT', 'INFORMATION_SECURITY_COMMITMENT'];
const PDF = new Blob([Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n')], { type: 'application/pdf' });
const SUBMIT_MATERIALS = `mutation($a: ID!, $h: String!, $docs: [HandlerMaterialUpload!]!) {
  submitHandlerMaterials(applicationId: $a, handlerName: $h, documents: $docs) { id materialsStatus materials { document { documentType fileName downloadUrl } } materialsHandler { name } } }`;
const submitMaterials = (applicationId: string, key: string, handler = 'Wang Wu') =>
  t.gqlMultipart(
    SUBMIT_MATERIALS,
    { a: applicationId, h: handler, docs: DOC_TYPES.map((documentType) => ({ documentType, file: null })) },
    Object.fromEntries(DOC_TYPES.map((d, i) => [`docs.${i}.file`, { blob: PDF, name: `${d.toLowerCase()}.pdf` }])),
    key,
  );

/** Runs the allocation job and waits until it has taken the application past APPROVED / ALLOCATING. */
const allocated = (id: string) =>
  t.afterJobs(
    async () => ok(await t.gql(`query($id: ID!) { numberApplication(id: $id) { numberStatus } }`, { id })).numberApplication,
    (app) => app.numberStatus !== 'APPROVED' && app.numberStatus !== 'ALLOCATING',
    'allocation',
  );

beforeAll(async () => {
  t = await startTestApp();
  acme = await t.tenant('Acme');
  beta = await t.tenant('Beta');
  q.acmeStd = await approvedQualification(acme, 'STANDARD');
  q.acme400 = await approvedQualification(acme, 'TOLL_FREE_400');
  q.acmePending = await approvedQualification(acme, 'STANDARD', false);
  q.betaStd = await approvedQualification(beta, 'STANDARD');
  ok(
    await t.gql(IMPORT, {
      rows: [
        { number: '010-8888 0001', type: 'LOCAL', province: '北京', city: '北京', carrier: 'CHINA_TELECOM' },
        { number: '010-8888 0002', type: 'LOCAL', province: '北京', city: '北京', carrier: 'CHINA_TELECOM' },
        { number: '400-820-0001', type: 'TOLL_FREE_400', province: '北京', city: '北京', carrier: 'CHINA_UNICOM', tier: 'STANDARD' },
        { number: '400-820-0002', type: 'TOLL_FREE_400', province: '北京', city: '北京', carrier: 'CHINA_UNICOM', tier: 'STANDARD' },
      ],
    }),
  );
  ok(await t.gql(TOP_UP, { t: gid('Tenant', acme.tenantId), a: '50000' }));
  ok(
    await t.gql(`mutation { saveHandler(name: "Wang Wu", idNumber: "11010519491231002X", mobile: "13900139000", email: "wang.wu@acme.example") { id } }`, {}, acme.keys.admin),
  );
});
afterAll(() => t?.stop());

describe('N3: number applications over GraphQL', () => {
  it('N3: apply → review → allocation, order and email → pay → TAKING_EFFECT → ACTIVE, each change on applicationStatusChanged', async () => {
    const feedA = collect<any>(t.wsClient(acme.keys.supervisor), CHANGES);
    const feedOps = collect<any>(t.wsClient(t.operatorKey), CHANGES);
    const feedB = collect<any>(t.wsClient(beta.keys.supervisor), CHANGES);

    const app = ok(await t.gql(APPLY, { input: input({ quantity: 2 }) }, acme.keys.admin)).applyForNumbers;
    expect(app).toMatchObject({ status: 'PENDING_REVIEW', numberStatus: 'PENDING_REVIEW', callType: 'INBOUND_OUTBOUND', quantity: 2, materialsStatus: 'NOT_REQUIRED' });
    expect(app.ticketNo).toMatch(/^AP\d{8}\d{6}$/);
    expect(app.appliedAt).toMatch(/:\d{2}(\.000)?Z$/);
    expect(new Date(app.appliedAt).getMilliseconds()).toBe(0);
    expect(app.contactMobile).toBe('+8613800138000');
    expect(app.qualification).toEqual({ id: q.acmeStd, kind: 'STANDARD' });

    const denied = await t.gql(REVIEW, { id: app.id, d: 'APPROVE' }, acme.keys.admin);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    ok(await t.gql(REVIEW, { id: app.id, d: 'APPROVE' }));
    await allocated(app.id);

    const delivered = ok(await t.gql(GET, { id: app.id }, acme.keys.supervisor)).numberApplication;
    expect([delivered.status, delivered.numberStatus, delivered.statusReason]).toEqual(['PENDING_PAYMENT', 'DELIVERED', null]);
    expect(delivered.numbers.map((n: any) => [n.e164, n.status])).toEqual([
      ['+861088880001', 'RESERVED'],
      ['+861088880002', 'RESERVED'],
    ]);
    expect(delivered.order).toMatchObject({ status: 'UNPAID', total: '100.000' });
    expect(delivered.order.lines).toEqual([
      { tariffCode: 'NUMBER_MONTHLY_LOCAL', quantity: 1, amount: '50.000' },
      { tariffCode: 'NUMBER_MONTHLY_LOCAL', quantity: 1, amount: '50.000' },
    ]);
    expect(delivered.emails).toHaveLength(1);
    expect(delivered.emails[0]).toMatchObject({ to: 'li.si@acme.example', sentAt: null });
    expect(delivered.emails[0].body).toContain(delivered.order.orderNo);

    const outbox = ok(await t.gql(`{ outboxEmails(first: 10) { edges { node { to subject tenant { id } } } } }`, {}, acme.keys.supervisor)).outboxEmails;
    expect(outbox.edges.map((e: any) => e.node.subject)).toEqual([expect.stringContaining(app.ticketNo)]);

    ok(await t.gql(PAY, { o: delivered.order.id }, acme.keys.admin));
    const paid = ok(await t.gql(GET, { id: app.id }, acme.keys.admin)).numberApplication;
    expect([paid.status, paid.numberStatus]).toEqual(['PENDING_PAYMENT', 'TAKING_EFFECT']);
    ok(await t.gql(ADVANCE, { s: 60 })); // the configurable short delay
    const done = ok(await t.gql(GET, { id: app.id }, acme.keys.admin)).numberApplication;
    expect([done.status, done.numberStatus]).toEqual(['COMPLETED', 'ACTIVE']);
    expect(done.numbers.every((n: any) => n.status === 'ACTIVE' && n.termEnd)).toBe(true);

    const expected = [
      'PENDING_REVIEW/PENDING_REVIEW',
      'APPROVED/APPROVED',
      'APPROVED/ALLOCATING',
      'PENDING_PAYMENT/DELIVERED',
      'PENDING_PAYMENT/TAKING_EFFECT',
      'COMPLETED/ACTIVE',
    ];
    const mine = (feed: typeof feedA) => feed.items.map((i) => i.applicationStatusChanged).filter((c) => c.application.id === app.id);
    await feedA.waitFor(() => mine(feedA).length === expected.length);
    expect(mine(feedA).map((c) => `${c.status}/${c.numberStatus}`)).toEqual(expected);
    expect(mine(feedA)[1]).toMatchObject({ previousStatus: 'PENDING_REVIEW', previousNumberStatus: 'PENDING_REVIEW', ticketNo: app.ticketNo });
    await feedOps.waitFor(() => mine(feedOps).length === expected.length);
    // Beta's own application comes after all of Acme's changes: had one reached Beta's feed, it would be first
    const betaApp = ok(await t.gql(APPLY, { input: input({ qualificationId: q.betaStd }) }, beta.keys.admin)).applyForNumbers;
    await feedB.waitFor(() => feedB.items.length > 0);
    expect(feedB.items.map((i) => i.applicationStatusChanged.application.id)).toEqual([betaApp.id]);
    expect(feedB.errors).toEqual([]);
    for (const f of [feedA, feedOps, feedB]) f.unsubscribe();
  });

  it('N3/Q2: bad input is a typed error naming the field; nothing is written', async () => {
    const count = async () => ok(await t.gql(`{ numberApplications(first: 100) { edges { cursor } } }`, {}, acme.keys.admin)).numberApplications.edges.length;
    const before = await count();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ scenarios: [] }, 'input.scenarios', 'INVALID_INPUT'],
      [{ qualificationId: q.acme400 }, 'qualificationId', 'QUALIFICATION_WRONG_KIND'],
      [{ qualificationId: q.acmePending }, 'qualificationId', 'QUALIFICATION_NOT_APPROVED'],
      [{ qualificationId: q.betaStd }, 'qualificationId', 'NOT_FOUND'],
      [{ contactMobile: '555' }, 'input.contactMobile', 'INVALID_INPUT'],
      [{ type: 'TOLL_FREE_400', qualificationId: q.acme400 }, 'input.tier', 'INVALID_INPUT'],
    ];
    for (const [over, field, code] of cases) {
      const r = await t.gql(APPLY, { input: input(over) }, acme.keys.admin);
      expect(r.errors?.[0]?.extensions, JSON.stringify(over)).toMatchObject({ code, field });
    }
    const reject = await t.gql(REVIEW, { id: gid('NumberApplication', '00000000-0000-0000-0000-000000000000'), d: 'APPROVE' });
    expect(reject.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    expect(await count()).toBe(before);
  });

  it('N3: a rejection keeps its reason; records filter by status, number status and applied-at range', async () => {
    const app = ok(await t.gql(APPLY, { input: input() }, acme.keys.admin)).applyForNumbers;
    const noReason = await t.gql(REVIEW, { id: app.id, d: 'REJECT' });
    expect(noReason.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
    const rejected = ok(await t.gql(REVIEW, { id: app.id, d: 'REJECT', r: 'Marketing scripts need an opt-out sentence' })).reviewNumberApplication;
    expect(rejected).toMatchObject({ status: 'REJECTED', numberStatus: 'REJECTED', reviewReason: 'Marketing scripts need an opt-out sentence' });

    const LIST = `query($s: ApplicationStatus, $ns: ApplicationNumberStatus, $from: DateTime, $to: DateTime) {
      numberApplications(status: $s, numberStatus: $ns, from: $from, to: $to, first: 50) { edges { node { id status numberStatus } } } }`;
    const byStatus = ok(await t.gql(LIST, { s: 'REJECTED' }, acme.keys.supervisor)).numberApplications.edges.map((e: any) => e.node);
    expect(byStatus.map((n: any) => n.id)).toContain(app.id);
    expect(byStatus.every((n: any) => n.status === 'REJECTED')).toBe(true);
    const active = ok(await t.gql(LIST, { ns: 'ACTIVE' }, acme.keys.supervisor)).numberApplications.edges;
    expect(active.length).toBe(1);
    const now = new Date(ok(await t.gql(`{ now }`)).now);
    const inRange = ok(await t.gql(LIST, { from: new Date(now.getTime() - 3600_000).toISOString(), to: new Date(now.getTime() + 1000).toISOString() }, acme.keys.admin));
    expect(inRange.numberApplications.edges.length).toBeGreaterThanOrEqual(2);
    const before = ok(await t.gql(LIST, { to: '2020-01-01T00:00:00Z' }, acme.keys.admin));
    expect(before.numberApplications.edges).toEqual([]);
  });
});

describe('N6: 400 applications and handler materials over GraphQL', () => {
  it('N6: without materials in 7 days (advanceClock) the held 400 number returns to stock and the application is CLOSED', async () => {
    const app = ok(await t.gql(APPLY, { input: input({ type: 'TOLL_FREE_400', tier: 'STANDARD', qualificationId: q.acme400 }) }, acme.keys.admin)).applyForNumbers;
    expect(app).toMatchObject({ callType: 'INBOUND_ONLY', materialsStatus: 'PENDING' });
    expect(new Date(app.materialsDueAt).getTime() - new Date(app.appliedAt).getTime()).toBe(7 * 86_400_000);
    ok(await t.gql(REVIEW, { id: app.id, d: 'APPROVE' }));
    await allocated(app.id);
    const held = ok(await t.gql(GET, { id: app.id }, acme.keys.admin)).numberApplication;
    expect(held.numbers).toHaveLength(1);
    expect(held.order.total).toBe('1125.000'); // 3 months × 375 (N5)

    ok(await t.gql(ADVANCE, { s: 7 * 86_400 }));
    const closed = ok(await t.gql(GET, { id: app.id }, acme.keys.admin)).numberApplication;
    expect(closed).toMatchObject({ status: 'CLOSED', numberStatus: 'RELEASED', statusReason: 'materials not submitted within 7 days', numbers: [] });
    expect(closed.order.status).toBe('CANCELLED');
    const stock = ok(await t.gql(`{ availableNumbers(type: TOLL_FREE_400, first: 10) { edges { node { e164 } } } }`, {}, acme.keys.admin));
    expect(stock.availableNumbers.edges.map((e: any) => e.node.e164)).toContain(held.numbers[0].e164);
  });

  it('N6: materials (saved handler + four uploads) then the carrier review make the paid 400 number ACTIVE', async () => {
    const app = ok(await t.gql(APPLY, { input: input({ type: 'TOLL_FREE_400', tier: 'STANDARD', qualificationId: q.acme400 }) }, acme.keys.admin)).applyForNumbers;
    const missing = await t.gqlMultipart(
      SUBMIT_MATERIALS,
      { a: app.id, h: 'Wang Wu', docs: [{ documentType: 'AUTHORIZATION_LETTER', file: null }] },
      { 'docs.0.file': { blob: PDF, name: 'a.pdf' } },
      acme.keys.admin,
    );
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'documents' });
    const byBeta = await submitMaterials(app.id, beta.keys.admin);
    expect(byBeta.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'applicationId' });

    const submitted = await submitMaterials(app.id, acme.keys.admin);
    expect(submitted.errors).toBeUndefined();
    expect(submitted.data.submitHandlerMaterials.materialsStatus).toBe('SUBMITTED');
    expect(submitted.data.submitHandlerMaterials.materialsHandler).toEqual({ name: 'Wang Wu' });
    const documents = submitted.data.submitHandlerMaterials.materials.map((m: any) => m.document);
    expect(documents.map((d: any) => d.documentType).sort()).toEqual([...DOC_TYPES].sort());
    const download = await fetch(t.url + documents[0].downloadUrl, { headers: { authorization: `Bearer ${acme.keys.supervisor}` } });
    expect(download.status).toBe(200);
    expect((await fetch(t.url + documents[0].downloadUrl, { headers: { authorization: `Bearer ${beta.keys.admin}` } })).status).toBe(404);

    ok(await t.gql(REVIEW, { id: app.id, d: 'APPROVE' }));
    await allocated(app.id);
    const delivered = ok(await t.gql(GET, { id: app.id }, acme.keys.admin)).numberApplication;
    ok(await t.gql(PAY, { o: delivered.order.id }, acme.keys.admin));
    ok(await t.gql(ADVANCE, { s: 3600 }));
    expect(ok(await t.gql(GET, { id: app.id }, acme.keys.admin)).numberApplication.numberStatus).toBe('TAKING_EFFECT');

    const MATERIALS_REVIEW = `mutation($a: ID!, $d: ReviewDecision!, $r: String) { reviewHandlerMaterials(applicationId: $a, decision: $d, reason: $r) { materialsStatus materialsReviewReason } }`;
    const byTenant = await t.gql(MATERIALS_REVIEW, { a: app.id, d: 'APPROVE' }, acme.keys.admin);
    expect(byTenant.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(ok(await t.gql(MATERIALS_REVIEW, { a: app.id, d: 'APPROVE' })).reviewHandlerMaterials.materialsStatus).toBe('APPROVED');
    ok(await t.gql(ADVANCE, { s: 60 }));
    const done = ok(await t.gql(GET, { id: app.id }, acme.keys.admin)).numberApplication;
    expect(done).toMatchObject({ status: 'COMPLETED', numberStatus: 'ACTIVE', materialsStatus: 'APPROVED' });
    expect(done.numbers[0].status).toBe('ACTIVE');
    // The 7-day deadline passing afterwards changes nothing.
    ok(await t.gql(ADVANCE, { s: 8 * 86_400 }));
    expect(ok(await t.gql(GET, { id: app.id }, acme.keys.admin)).numberApplication.status).toBe('COMPLETED');
  });
});

describe('N3: tenant isolation of applications and outbox emails', () => {
  it("N3: another tenant's application and emails are invisible by id, in lists and on the subscription", async () => {
    const list = ok(await t.gql(`{ numberApplications(first: 1) { edges { node { id } } } }`, {}, acme.keys.admin)).numberApplications;
    const id = list.edges[0].node.id;
    const byBeta = ok(await t.gql(`query($id: ID!) { numberApplication(id: $id) { id } node(id: $id) { id } }`, { id }, beta.keys.admin));
    expect(byBeta).toEqual({ numberApplication: null, node: null });
    const idsOf = async (key: string) => ok(await t.gql(`{ numberApplications(first: 50) { edges { node { id } } } }`, {}, key)).numberApplications.edges.map((e: any) => e.node.id);
    const acmeIds = await idsOf(acme.keys.admin);
    expect((await idsOf(beta.keys.supervisor)).filter((x: string) => acmeIds.includes(x))).toEqual([]);
    expect(ok(await t.gql(`{ outboxEmails(first: 50) { edges { node { id } } } }`, {}, beta.keys.admin)).outboxEmails.edges).toEqual([]);
    const acmeEmails = ok(await t.gql(`{ outboxEmails(first: 50) { edges { node { id tenant { id } } } } }`, {}, acme.keys.admin)).outboxEmails.edges;
    expect(acmeEmails.length).toBeGreaterThan(0);
    const emailById = ok(await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: acmeEmails[0].node.id }, beta.keys.admin));
    expect(emailById.node).toBeNull();
    const opsEmails = ok(await t.gql(`{ outboxEmails(first: 50) { edges { node { id } } } }`)).outboxEmails.edges;
    expect(opsEmails.length).toBe(acmeEmails.length);
    const review = await t.gql(`mutation($a: ID!) { reviewHandlerMaterials(applicationId: $a, decision: APPROVE) { id } }`, { a: id }, beta.keys.admin);
    expect(review.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // applications hold personal data: a PARTNER's list is empty (READ_POLICY), not an error
    const partner = await t.gql(`{ numberApplications(first: 1) { edges { cursor } } }`, {}, acme.keys.partner);
    expect(partner).toEqual({ data: { numberApplications: { edges: [] } } });
  });
});
