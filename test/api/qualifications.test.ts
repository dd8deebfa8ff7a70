import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import type { TenantFixture } from '../support/context.js';
import { REAL_CREDIT_CODE, sampleQualificationInput } from '@callplane/schema/testing';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

const PDF = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const QUALIFICATION_FIELDS = `id kind status companyName creditCode licenceValidUntil licenceIndefinite contactMobile revision reviewReason
  handler { name idNumber } tenant { id name } documents { id documentType fileName contentType sizeBytes sha256 downloadUrl }`;

const SUBMIT = `mutation($input: QualificationInput!) { submitQualification(input: $input) { ${QUALIFICATION_FIELDS} } }`;
const REVIEW = `mutation($id: ID!, $decision: ReviewDecision!, $reason: String) {
  reviewQualification(id: $id, decision: $decision, reason: $reason) { id status reviewReason reviewedAt } }`;
const RESUBMIT = `mutation($id: ID!, $input: QualificationInput!) { resubmitQualification(id: $id, input: $input) { id status revision reviewReason } }`;
const UPLOAD = `mutation($q: ID!, $type: DocumentType!, $file: Upload!) {
  uploadQualificationDocument(qualificationId: $q, documentType: $type, file: $file) { id documentType fileName contentType sizeBytes sha256 downloadUrl } }`;
const SUBSCRIBE = `subscription($after: String) { qualificationStatusChanged(after: $after) {
  cursor status previousStatus reason occurredAt qualification { id companyName status revision tenant { name } } } }`;

const input = (over: Record<string, unknown> = {}) => ({ ...sampleQualificationInput, ...over });

const download = (path: string, key: string | null) => fetch(t.url + path, { headers: key ? { authorization: `Bearer ${key}` } : {} });

async function submitted(tenant: TenantFixture, over: Record<string, unknown> = {}) {
  const r = await t.gql(SUBMIT, { input: input(over) }, tenant.keys.admin);
  expect(r.errors).toBeUndefined();
  return r.data.submitQualification;
}

describe('qualifications over GraphQL (Q1–Q4)', () => {
  let acme: TenantFixture;
  let beta: TenantFixture;
  beforeAll(async () => {
    acme = await t.tenant('Acme');
    beta = await t.tenant('Beta');
  });

  it('Q1+Q4: submits with documents in one multipart request; the bytes download over HTTP with their type and name', async () => {
    const r = await t.gqlMultipart(
      SUBMIT,
      {
        input: input({
          licenceIndefinite: true,
          licenceValidUntil: null,
          documents: [
            { documentType: 'AUTHORIZATION_LETTER', file: null },
            { documentType: 'BUSINESS_ACCEPTANCE_FORM', file: null },
          ],
        }),
      },
      {
        'input.documents.0.file': { blob: new Blob([PDF], { type: 'application/pdf' }), name: '办理授权书.pdf' },
        'input.documents.1.file': { blob: new Blob([PNG], { type: 'image/png' }), name: 'form.png' },
      },
      acme.keys.admin,
    );
    expect(r.errors).toBeUndefined();
    const q = r.data.submitQualification;
    const today = t.clock.now();
    const expected = `${new Date(today.getTime() + 8 * 3600_000).getUTCFullYear() + 10}-`;
    expect(q).toMatchObject({ status: 'PENDING_REVIEW', licenceIndefinite: true, revision: 1, contactMobile: '+8613800138000', creditCode: REAL_CREDIT_CODE });
    expect(q.licenceValidUntil.startsWith(expected)).toBe(true);
    expect(q.tenant.id).toBeTruthy();
    expect(q.documents).toHaveLength(2);
    const [pdf, png] = q.documents;
    expect(pdf).toMatchObject({ documentType: 'AUTHORIZATION_LETTER', fileName: '办理授权书.pdf', contentType: 'application/pdf', sizeBytes: PDF.length, sha256: sha256(PDF) });
    expect(png).toMatchObject({ documentType: 'BUSINESS_ACCEPTANCE_FORM', contentType: 'image/png', sizeBytes: PNG.length });
    expect(pdf.downloadUrl).toMatch(/^\/documents\/[0-9a-f-]{36}$/);

    const res = await download(pdf.downloadUrl, acme.keys.supervisor);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBe(String(PDF.length));
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="_____.pdf"; filename*=UTF-8''${encodeURIComponent('办理授权书.pdf')}`,
    );
    expect(Buffer.from(await res.arrayBuffer()).equals(PDF)).toBe(true);
    // The operator downloads any tenant's document.
    expect((await download(png.downloadUrl, t.operatorKey)).status).toBe(200);
  });

  it('Q4: uploads a document to an existing qualification; limits give typed errors and write nothing', async () => {
    const q = await submitted(acme);
    const ok = await t.gqlMultipart(UPLOAD, { q: q.id, type: 'SECURITY_SERVICE_AGREEMENT', file: null }, { file: { blob: new Blob([PNG]), name: 'agreement.png' } }, acme.keys.admin);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.uploadQualificationDocument).toMatchObject({ contentType: 'image/png', sha256: sha256(PNG), sizeBytes: PNG.length });

    const renamed = await t.gqlMultipart(
      UPLOAD,
      { q: q.id, type: 'AUTHORIZATION_LETTER', file: null },
      { file: { blob: new Blob([Buffer.from('MZ\x90\x00not a pdf')], { type: 'application/pdf' }), name: 'letter.pdf' } },
      acme.keys.admin,
    );
    expect(renamed.errors?.[0]?.extensions).toMatchObject({ code: 'DOCUMENT_TYPE_NOT_ALLOWED', field: 'file' });

    const big = Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024)]);
    const tooLarge = await t.gqlMultipart(UPLOAD, { q: q.id, type: 'AUTHORIZATION_LETTER', file: null }, { file: { blob: new Blob([big], { type: 'application/pdf' }), name: 'big.pdf' } }, acme.keys.admin);
    expect(tooLarge.errors?.[0]?.extensions).toMatchObject({ code: 'DOCUMENT_TOO_LARGE', field: 'file' });
    expect(tooLarge.errors?.[0]?.message).toMatch(/big\.pdf.*at most 10 MB/);

    const bad = await t.gqlMultipart(
      SUBMIT,
      { input: input({ companyName: 'Half Written Ltd', documents: [{ documentType: 'AUTHORIZATION_LETTER', file: null }] }) },
      { 'input.documents.0.file': { blob: new Blob(['just text'], { type: 'text/plain' }), name: 'letter.txt' } },
      acme.keys.admin,
    );
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'DOCUMENT_TYPE_NOT_ALLOWED', field: 'input.documents.0.file' });
    const list = await t.gql(`{ qualifications(first: 100) { edges { node { companyName documents { id } } } } }`, {}, acme.keys.admin);
    expect(list.data.qualifications.edges.map((e: any) => e.node.companyName)).not.toContain('Half Written Ltd');
    const docs = list.data.qualifications.edges.flatMap((e: any) => e.node.documents);
    expect(docs).toHaveLength(3); // two from the first test, one uploaded here
  });

  it('Q1: typed errors name the field; SUPERVISOR and PARTNER cannot submit; only an OPERATOR reviews', async () => {
    const badCode = await t.gql(SUBMIT, { input: input({ creditCode: '91350100M000100Y44' }) }, acme.keys.admin);
    expect(badCode.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'input.creditCode' });
    expect(badCode.errors?.[0]?.message).toMatch(/check character/);
    const expired = await t.gql(SUBMIT, { input: input({ licenceValidUntil: '2020-01-01' }) }, acme.keys.admin);
    expect(expired.errors?.[0]?.extensions).toMatchObject({ field: 'input.licenceValidUntil' });
    const unknownHandler = await t.gql(SUBMIT, { input: input({ handlerName: 'Nobody' }) }, acme.keys.admin);
    expect(unknownHandler.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'input.handlerName' });

    for (const key of [acme.keys.supervisor, acme.keys.partner, t.operatorKey]) {
      const r = await t.gql(SUBMIT, { input: input() }, key);
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const q = await submitted(acme);
    expect((await t.gql(REVIEW, { id: q.id, decision: 'APPROVE' }, acme.keys.admin)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const noReason = await t.gql(REVIEW, { id: q.id, decision: 'REJECT' }, t.operatorKey);
    expect(noReason.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
    const early = await t.gql(RESUBMIT, { id: q.id, input: input() }, acme.keys.admin);
    expect(early.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_STATUS', field: 'id' });
    // a PARTNER never reads personal data (READ_POLICY): the list is empty, as if there were none
    expect(await t.gql(`{ qualifications { edges { node { id } } } }`, {}, acme.keys.partner)).toEqual({ data: { qualifications: { edges: [] } } });
  });

  it('Q1: rejection keeps the reason; resubmission starts a new review; approval', async () => {
    const q = await submitted(acme);
    const rejected = await t.gql(REVIEW, { id: q.id, decision: 'REJECT', reason: 'licence scan unreadable' }, t.operatorKey);
    expect(rejected.data.reviewQualification).toMatchObject({ status: 'REJECTED', reviewReason: 'licence scan unreadable' });
    expect(rejected.data.reviewQualification.reviewedAt).toBeTruthy();
    const again = await t.gql(RESUBMIT, { id: q.id, input: input({ companyName: 'Acme Telecom Co., Ltd' }) }, acme.keys.admin);
    expect(again.data.resubmitQualification).toMatchObject({ status: 'PENDING_REVIEW', revision: 2, reviewReason: null });
    const approved = await t.gql(REVIEW, { id: q.id, decision: 'APPROVE' }, t.operatorKey);
    expect(approved.data.reviewQualification.status).toBe('APPROVED');
    const listed = await t.gql(`{ qualifications(status: APPROVED) { edges { node { id companyName revision } } } }`, {}, acme.keys.supervisor);
    expect(listed.data.qualifications.edges.map((e: any) => e.node)).toEqual([{ id: q.id, companyName: 'Acme Telecom Co., Ltd', revision: 2 }]);
  });

  it('Q3: a saved handler is found by name and fills the qualification in', async () => {
    const saved = await t.gql(
      `mutation { saveHandler(name: "Wang Wu", idNumber: "11010519491231002X", mobile: "13912345678", email: "wang@acme.example") { id name mobile } }`,
      {},
      acme.keys.admin,
    );
    expect(saved.data.saveHandler).toMatchObject({ name: 'Wang Wu', mobile: '+8613912345678' });
    const found = await t.gql(`{ handler(name: "Wang Wu") { id idNumber email } handlers { name } }`, {}, acme.keys.supervisor);
    // the national ID number is for TENANT_ADMIN and OPERATOR keys only (FIELD_POLICY)
    expect(found.data.handler).toMatchObject({ id: saved.data.saveHandler.id, idNumber: null, email: 'wang@acme.example' });
    const byAdmin = await t.gql(`{ handler(name: "Wang Wu") { idNumber } }`, {}, acme.keys.admin);
    expect(byAdmin.data.handler).toEqual({ idNumber: '11010519491231002X' });
    expect(found.data.handlers).toEqual([{ name: 'Wang Wu' }]);
    expect((await t.gql(`{ handler(name: "Wang Wu") { id } handlers { name } }`, {}, beta.keys.admin)).data).toEqual({ handler: null, handlers: [] });
    const q = await submitted(acme, { handlerName: 'Wang Wu' });
    expect(q.handler).toEqual({ name: 'Wang Wu', idNumber: '11010519491231002X' });
    const badMobile = await t.gql(`mutation { saveHandler(name: "X", idNumber: "E1234567", mobile: "123", email: "x@y.example") { id } }`, {}, acme.keys.admin);
    expect(badMobile.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_INPUT', field: 'mobile' });
    expect((await t.gql(`mutation { saveHandler(name: "X", idNumber: "E1234567", mobile: "13912345678", email: "x@y.example") { id } }`, {}, acme.keys.supervisor)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("tenant isolation: another tenant's qualification is invisible by id, node, list and document download", async () => {
    const q = await submitted(acme, { documents: null });
    const up = await t.gqlMultipart(UPLOAD, { q: q.id, type: 'AUTHORIZATION_LETTER', file: null }, { file: { blob: new Blob([PDF], { type: 'application/pdf' }), name: 'a.pdf' } }, acme.keys.admin);
    const doc = up.data.uploadQualificationDocument;

    const byId = await t.gql(`query($id: ID!) { qualification(id: $id) { id } node(id: $id) { id } }`, { id: q.id }, beta.keys.admin);
    expect(byId.errors).toBeUndefined();
    expect(byId.data).toEqual({ qualification: null, node: null });
    const docNode = await t.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: doc.id }, beta.keys.supervisor);
    expect(docNode.data).toEqual({ node: null });
    const own = await t.gql(`query($id: ID!) { qualification(id: $id) { id } node(id: $id) { ... on Qualification { companyName } } }`, { id: q.id }, acme.keys.supervisor);
    expect(own.data).toEqual({ qualification: { id: q.id }, node: { companyName: 'Acme Telecom Ltd' } });

    const betaList = await t.gql(`{ qualifications(first: 100) { edges { node { id } } } }`, {}, beta.keys.supervisor);
    expect(betaList.data.qualifications.edges.map((e: any) => e.node.id)).not.toContain(q.id);
    const opList = await t.gql(`{ qualifications(first: 100) { edges { node { id } } } }`, {}, t.operatorKey);
    expect(opList.data.qualifications.edges.map((e: any) => e.node.id)).toContain(q.id);

    const refusals = [
      [beta.keys.admin, 404, 'NOT_FOUND'],
      [beta.keys.supervisor, 404, 'NOT_FOUND'],
      [acme.keys.partner, 404, 'NOT_FOUND'],
      [null, 401, 'UNAUTHENTICATED'],
    ] as const;
    for (const [key, status, code] of refusals) {
      const res = await download(doc.downloadUrl, key);
      expect(res.status).toBe(status);
      expect((await res.json()).errors[0].extensions.code).toBe(code);
    }
    expect((await download('/documents/00000000-0000-4000-8000-000000000000', acme.keys.admin)).status).toBe(404);

    const foreignUpload = await t.gqlMultipart(UPLOAD, { q: q.id, type: 'AUTHORIZATION_LETTER', file: null }, { file: { blob: new Blob([PDF]), name: 'x.pdf' } }, beta.keys.admin);
    expect(foreignUpload.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'qualificationId' });
    const foreignResubmit = await t.gql(RESUBMIT, { id: q.id, input: input() }, beta.keys.admin);
    expect(foreignResubmit.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('documents relation', () => {
  it('Q4: a page of qualifications loads its documents in one query (DataLoader, no N+1)', async () => {
    const zeta = await t.tenant('Zeta');
    for (let i = 0; i < 4; i++) {
      const q = await submitted(zeta, { companyName: `Zeta ${i}` });
      await t.gqlMultipart(UPLOAD, { q: q.id, type: 'AUTHORIZATION_LETTER', file: null }, { file: { blob: new Blob([PDF]), name: `z${i}.pdf` } }, zeta.keys.admin);
    }
    const original = pg.Client.prototype.query;
    let documentQueries = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: any[]) {
      const text = typeof args[0] === 'string' ? args[0] : args[0]?.text;
      if (/from "qualification_documents"/.test(text ?? '')) documentQueries++;
      return (original as any).apply(this, args);
    } as typeof original;
    try {
      const r = await t.gql(`{ qualifications(first: 10) { edges { node { companyName documents { fileName } } } } }`, {}, zeta.keys.supervisor);
      expect(r.data.qualifications.edges).toHaveLength(4);
      expect(r.data.qualifications.edges.every((e: any) => e.node.documents.length === 1)).toBe(true);
    } finally {
      pg.Client.prototype.query = original;
    }
    expect(documentQueries).toBe(1);
  });
});

describe('qualificationStatusChanged subscription (Q1, RT3)', () => {
  it('delivers a review live, only to the owning tenant (and operators), and `after` replays missed changes', async () => {
    const gamma = await t.tenant('Gamma');
    const delta = await t.tenant('Delta');
    const after = await t.cursor(); // from here on, whenever each stream gets going
    const own = collect<any>(t.wsClient(gamma.keys.supervisor), SUBSCRIBE, { after });
    const other = collect<any>(t.wsClient(delta.keys.supervisor), SUBSCRIBE, { after });
    const ops = collect<any>(t.wsClient(t.operatorKey), SUBSCRIBE, { after });

    const q = await submitted(gamma, { companyName: 'Gamma Ltd' });
    await own.waitFor(() => own.items.length >= 1);
    expect(own.items[0].qualificationStatusChanged).toMatchObject({ status: 'PENDING_REVIEW', previousStatus: null, qualification: { id: q.id, status: 'PENDING_REVIEW' } });

    await t.gql(REVIEW, { id: q.id, decision: 'REJECT', reason: 'missing seal' }, t.operatorKey);
    await own.waitFor(() => own.items.length >= 2);
    expect(own.items[1].qualificationStatusChanged).toMatchObject({
      status: 'REJECTED',
      previousStatus: 'PENDING_REVIEW',
      reason: 'missing seal',
      qualification: { id: q.id, status: 'REJECTED', revision: 1 },
    });
    const missedFrom = own.items[1].qualificationStatusChanged.cursor as string;
    own.unsubscribe();

    // Changes while the client is away …
    await t.gql(RESUBMIT, { id: q.id, input: input({ companyName: 'Gamma Ltd' }) }, gamma.keys.admin);
    await t.gql(REVIEW, { id: q.id, decision: 'APPROVE' }, t.operatorKey);
    // … are replayed after the cursor, in order, then the stream stays live.
    const resumed = collect<any>(t.wsClient(gamma.keys.admin), SUBSCRIBE, { after: missedFrom });
    await resumed.waitFor(() => resumed.items.length >= 2);
    expect(resumed.items.map((i) => [i.qualificationStatusChanged.status, i.qualificationStatusChanged.previousStatus])).toEqual([
      ['PENDING_REVIEW', 'REJECTED'],
      ['APPROVED', 'PENDING_REVIEW'],
    ]);
    expect(resumed.items[1].qualificationStatusChanged.qualification).toMatchObject({ status: 'APPROVED', revision: 2 });

    // The operator saw every change of Gamma; Delta saw only its own.
    await ops.waitFor(() => ops.items.filter((i) => i.qualificationStatusChanged.qualification.id === q.id).length >= 4);
    const deltaQ = await submitted(delta, { companyName: 'Delta Ltd' });
    await other.waitFor(() => other.items.some((i) => i.qualificationStatusChanged.qualification.id === deltaQ.id));
    expect(other.items.every((i) => i.qualificationStatusChanged.qualification.tenant.name === 'Delta')).toBe(true);
    expect(other.items.map((i) => i.qualificationStatusChanged.qualification.id)).not.toContain(q.id);
    expect([...own.errors, ...other.errors, ...ops.errors, ...resumed.errors]).toEqual([]);
  });

  it("a PARTNER key's subscription carries none of its tenant's qualifications (personal data)", async () => {
    const epsilon = await t.tenant('Epsilon');
    const after = await t.cursor();
    const partner = collect<any>(t.wsClient(epsilon.keys.partner), SUBSCRIBE, { after });
    const supervisor = collect<any>(t.wsClient(epsilon.keys.supervisor), SUBSCRIBE, { after });
    await submitted(epsilon);
    await supervisor.waitFor(() => supervisor.items.length === 1);
    expect(partner.items).toEqual([]);
    expect(partner.errors).toEqual([]);
  });
});
