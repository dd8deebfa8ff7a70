import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeAndBeta, type ServiceWorld, type TenantFixture } from '../../../../../test/support/context.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { addYears, calendarDate } from '../../shared/calendar.js';
import {
  creditCodeCheckCharacter,
  documentForDownload,
  documentsOf,
  findHandler,
  findQualification,
  parseCreditCode,
  requireApprovedQualification,
  resubmitQualification,
  reviewQualification,
  saveHandler,
  sniffContentType,
  submitQualification,
  uploadQualificationDocument,
  type QualificationInput,
} from './qualifications.service.js';
import { REAL_CREDIT_CODE, sampleQualificationInput } from './qualifications.fixtures.js';

let w: ServiceWorld;
let acme: TenantFixture;
let beta: TenantFixture;

beforeAll(async () => {
  ({ w, acme, beta } = await acmeAndBeta());
});
afterAll(() => w?.drop());

/** A valid code made with our own check function, so the test does not depend on one example. */
const madeCode = (first17: string) => first17 + creditCodeCheckCharacter(first17);

const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const file = (bytes: Uint8Array, name: string, type: string) => new File([new Uint8Array(bytes)], name, { type });

const input = (over: Partial<QualificationInput> = {}): QualificationInput => ({ ...sampleQualificationInput, ...over });

async function rejects(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return e as { code: string; field: string | null; message: string };
  }
  throw new Error('expected an error');
}

async function statusEvents(subjectId: string) {
  const events = await readableEvents(w.db, { types: ['QUALIFICATION_STATUS_CHANGED'], subjectId });
  return events.map((e) => e.payload);
}

describe('Q1: unified social credit code (GB 32100-2015)', () => {
  it('Q1: accepts real codes and codes made with the check function', () => {
    expect(parseCreditCode(REAL_CREDIT_CODE)).toBe(REAL_CREDIT_CODE);
    expect(creditCodeCheckCharacter(REAL_CREDIT_CODE.slice(0, 17))).toBe('3');
    for (const real of ['91440300708461136T', '91110108551385082Q']) expect(parseCreditCode(real)).toBe(real);
    const made = madeCode('91310000MA1FL0000');
    expect(parseCreditCode(made)).toBe(made);
    expect(parseCreditCode(` ${REAL_CREDIT_CODE.toLowerCase()} `)).toBe(REAL_CREDIT_CODE);
  });

  it('Q1: a check character of 31 maps to 0', () => {
    // Find a prefix whose weighted sum is a multiple of 31 by adjusting the last character.
    const base = '9135010000000010';
    const prefix = [...'0123456789ABCDEFGHJKLMNPQRTUWXY'].map((c) => base + c).find((p) => creditCodeCheckCharacter(p) === '0');
    expect(prefix).toBeDefined();
    expect(parseCreditCode(prefix + '0')).toBe(prefix + '0');
  });

  it('Q1: refuses a wrong check character, a wrong length and forbidden letters, naming the field', () => {
    const wrongCheck = REAL_CREDIT_CODE.slice(0, 17) + '4';
    expect(() => parseCreditCode(wrongCheck)).toThrow(/check character.*expected '3'/);
    for (const bad of [wrongCheck, REAL_CREDIT_CODE.slice(0, 17), REAL_CREDIT_CODE + '0', '91350100I000100Y43']) {
      try {
        parseCreditCode(bad);
        throw new Error('accepted ' + bad);
      } catch (e) {
        expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'input.creditCode' });
      }
    }
  });

  it('Q1: a submission with a bad code writes nothing', async () => {
    const e = await rejects(submitQualification(w.ctx(acme.admin), input({ creditCode: '91350100M000100Y44', companyName: 'Nothing Ltd' })));
    expect(e).toMatchObject({ code: 'INVALID_INPUT', field: 'input.creditCode' });
    const rows = await w.db.selectFrom('qualifications').select('id').where('company_name', '=', 'Nothing Ltd').execute();
    expect(rows).toHaveLength(0);
  });
});

describe('Q1: submission and review', () => {
  it('Q1: an indefinite licence is stored as the submission date + 10 years', async () => {
    w.clock.set(new Date('2026-11-25T02:00:00Z'));
    const q = await submitQualification(w.ctx(acme.admin), input({ licenceIndefinite: true, licenceValidUntil: null }));
    expect(q.licence_indefinite).toBe(true);
    expect(calendarDate(q.licence_valid_until as string | Date)).toBe('2036-11-25');
    expect(q.status).toBe('PENDING_REVIEW');
    expect(q.revision).toBe(1);
    expect(q.contact_mobile).toBe('+8613800138000');
  });

  it('Q1: the submission date is the tenant-local date (Asia/Shanghai), and 29 February ends on 28 February', async () => {
    w.clock.set(new Date('2026-11-25T17:00:00Z')); // already 26 November in Shanghai
    const q = await submitQualification(w.ctx(acme.admin), input({ licenceIndefinite: true }));
    expect(calendarDate(q.licence_valid_until as string | Date)).toBe('2036-11-26');
    expect(addYears('2028-02-29', 10)).toBe('2038-02-28');
    w.clock.set(new Date('2026-11-25T02:00:00Z'));
  });

  it('Q1: a dated licence must be a real date in the future; contact mobile and email are validated', async () => {
    const ctx = w.ctx(acme.admin);
    expect(await rejects(submitQualification(ctx, input({ licenceValidUntil: '2026-11-25' })))).toMatchObject({ field: 'input.licenceValidUntil' });
    expect(await rejects(submitQualification(ctx, input({ licenceValidUntil: '2027-02-30' })))).toMatchObject({ field: 'input.licenceValidUntil' });
    expect(await rejects(submitQualification(ctx, input({ licenceValidUntil: null })))).toMatchObject({ field: 'input.licenceValidUntil' });
    expect(await rejects(submitQualification(ctx, input({ contactMobile: '12345' })))).toMatchObject({ field: 'input.contactMobile' });
    expect(await rejects(submitQualification(ctx, input({ contactMobile: '010 6552 9988' })))).toMatchObject({
      field: 'input.contactMobile',
      message: expect.stringMatching(/not a mobile/),
    });
    expect(await rejects(submitQualification(ctx, input({ contactEmail: 'nope' })))).toMatchObject({ field: 'input.contactEmail' });
    expect(await rejects(submitQualification(ctx, input({ companyName: '  ' })))).toMatchObject({ field: 'input.companyName' });
  });

  it('Q1: only a TENANT_ADMIN submits', async () => {
    expect(await rejects(submitQualification(w.ctx(acme.supervisor), input()))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await rejects(submitQualification(w.ctx(w.operator), input()))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('Q1: PENDING_REVIEW → REJECTED with a reason → resubmitted (revision 2) → APPROVED, each change an event', async () => {
    const q = await submitQualification(w.ctx(acme.admin), input());
    expect(await rejects(reviewQualification(w.ctx(acme.admin), q.id, 'APPROVE'))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await rejects(reviewQualification(w.ctx(w.operator), q.id, 'REJECT', '  '))).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
    expect(await rejects(resubmitQualification(w.ctx(acme.admin), q.id, input()))).toMatchObject({ code: 'INVALID_STATUS', field: 'id' });

    w.clock.advance(3600);
    const rejected = await reviewQualification(w.ctx(w.operator), q.id, 'REJECT', 'the licence scan is unreadable');
    expect(rejected).toMatchObject({ status: 'REJECTED', review_reason: 'the licence scan is unreadable' });
    expect(rejected.reviewed_at).toEqual(w.clock.now());
    expect(await rejects(reviewQualification(w.ctx(w.operator), q.id, 'APPROVE'))).toMatchObject({ code: 'INVALID_STATUS' });
    // Another tenant cannot resubmit it: it does not exist for them.
    expect(await rejects(resubmitQualification(w.ctx(beta.admin), q.id, input()))).toMatchObject({ code: 'NOT_FOUND', field: 'id' });

    w.clock.advance(3600);
    const again = await resubmitQualification(w.ctx(acme.admin), q.id, input({ companyName: 'Acme Telecom Co., Ltd', kind: 'TOLL_FREE_400' }));
    expect(again).toMatchObject({
      status: 'PENDING_REVIEW',
      revision: 2,
      review_reason: null,
      reviewed_at: null,
      reviewed_by: null,
      company_name: 'Acme Telecom Co., Ltd',
      kind: 'TOLL_FREE_400',
    });
    expect(again.submitted_at).toEqual(w.clock.now());
    expect(again.created_at).toEqual(q.created_at);

    const approved = await reviewQualification(w.ctx(w.operator), q.id, 'APPROVE');
    expect(approved.status).toBe('APPROVED');
    expect(await rejects(resubmitQualification(w.ctx(acme.admin), q.id, input()))).toMatchObject({ code: 'INVALID_STATUS' });

    expect(await statusEvents(q.id)).toEqual([
      { status: 'PENDING_REVIEW', previousStatus: null, reason: null, kind: 'STANDARD' },
      { status: 'REJECTED', previousStatus: 'PENDING_REVIEW', reason: 'the licence scan is unreadable', kind: 'STANDARD' },
      { status: 'PENDING_REVIEW', previousStatus: 'REJECTED', reason: null, kind: 'TOLL_FREE_400' },
      { status: 'APPROVED', previousStatus: 'PENDING_REVIEW', reason: null, kind: 'TOLL_FREE_400' },
    ]);
  });

  it('Q1: reads are scoped: another tenant does not see the qualification', async () => {
    const q = await submitQualification(w.ctx(acme.admin), input());
    expect(await findQualification(w.ctx(acme.supervisor), q.id)).not.toBeNull();
    expect(await findQualification(w.ctx(beta.supervisor), q.id)).toBeNull();
    expect(await findQualification(w.ctx(w.operator), q.id)).not.toBeNull();
  });
});

describe('Q2: requireApprovedQualification', () => {
  it('Q2: passes only for an APPROVED qualification of the right kind owned by the tenant', async () => {
    const std = await submitQualification(w.ctx(acme.admin), input({ kind: 'STANDARD' }));
    const tollFree = await submitQualification(w.ctx(acme.admin), input({ kind: 'TOLL_FREE_400' }));
    const ctx = w.ctx(acme.admin);

    expect(await rejects(requireApprovedQualification(ctx, std.id, 'STANDARD'))).toMatchObject({
      code: 'QUALIFICATION_NOT_APPROVED',
      field: 'qualificationId',
    });
    await reviewQualification(w.ctx(w.operator), std.id, 'APPROVE');
    await reviewQualification(w.ctx(w.operator), tollFree.id, 'REJECT', 'wrong documents');

    expect((await requireApprovedQualification(ctx, std.id, 'STANDARD')).id).toBe(std.id);
    expect(await rejects(requireApprovedQualification(ctx, std.id, 'TOLL_FREE_400'))).toMatchObject({
      code: 'QUALIFICATION_WRONG_KIND',
      field: 'qualificationId',
    });
    expect(await rejects(requireApprovedQualification(ctx, tollFree.id, 'TOLL_FREE_400'))).toMatchObject({ code: 'QUALIFICATION_NOT_APPROVED' });
    // Another tenant's approved qualification is NOT_FOUND, exactly like a missing id.
    expect(await rejects(requireApprovedQualification(w.ctx(beta.admin), std.id, 'STANDARD'))).toMatchObject({
      code: 'NOT_FOUND',
      field: 'qualificationId',
    });
    expect(await rejects(requireApprovedQualification(ctx, '00000000-0000-4000-8000-000000000000', 'STANDARD'))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await rejects(requireApprovedQualification(ctx, 'not-a-uuid', 'STANDARD'))).toMatchObject({ code: 'NOT_FOUND' });
    // An OPERATOR acting for a tenant names it; inside a transaction the caller passes its trx.
    await w.db.transaction().execute(async (trx) => {
      expect((await requireApprovedQualification({ db: trx, actor: w.operator }, std.id, 'STANDARD', acme.tenantId)).id).toBe(std.id);
      expect(await rejects(requireApprovedQualification({ db: trx, actor: w.operator }, std.id, 'STANDARD', beta.tenantId))).toMatchObject({
        code: 'NOT_FOUND',
      });
    });
  });
});

describe('Q3: handlers', () => {
  it('Q3: saveHandler upserts by name within the tenant; submitting with a handler name fills the handler in', async () => {
    const ctx = w.ctx(acme.admin);
    const first = await saveHandler(ctx, { name: 'Wang Wu', idNumber: '11010519491231002X', mobile: '13912345678', email: 'wang@acme.example' });
    const updated = await saveHandler(ctx, { name: 'Wang Wu', idNumber: '11010519491231002X', mobile: '139 1234 5679', email: 'wang.wu@acme.example' });
    expect(updated.id).toBe(first.id);
    expect(updated).toMatchObject({ mobile: '+8613912345679', email: 'wang.wu@acme.example' });
    // The same name in another tenant is another profile, invisible to Acme.
    const betas = await saveHandler(w.ctx(beta.admin), { name: 'Wang Wu', idNumber: 'E12345678', mobile: '13700000000', email: 'w@beta.example' });
    expect(betas.id).not.toBe(first.id);
    expect((await findHandler(w.ctx(acme.supervisor), 'Wang Wu'))?.id).toBe(first.id);
    expect(await findHandler(w.ctx(acme.supervisor), 'Nobody')).toBeNull();

    const q = await submitQualification(ctx, input({ handlerName: 'Wang Wu' }));
    expect(q.handler_id).toBe(first.id);
    expect(await rejects(submitQualification(ctx, input({ handlerName: 'Nobody' })))).toMatchObject({ code: 'NOT_FOUND', field: 'input.handlerName' });
  });

  it('Q3: handler fields are validated', async () => {
    const ctx = w.ctx(acme.admin);
    const ok = { name: 'Zhao Liu', idNumber: '11010519491231002X', mobile: '13912345678', email: 'z@acme.example' };
    expect(await rejects(saveHandler(ctx, { ...ok, idNumber: '110105194912310021' }))).toMatchObject({ field: 'idNumber' });
    expect(await rejects(saveHandler(ctx, { ...ok, mobile: '123' }))).toMatchObject({ field: 'mobile' });
    expect(await rejects(saveHandler(ctx, { ...ok, email: 'x' }))).toMatchObject({ field: 'email' });
    expect(await rejects(saveHandler(ctx, { ...ok, name: '' }))).toMatchObject({ field: 'name' });
    expect(await rejects(saveHandler(w.ctx(acme.supervisor), ok))).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('Q4: documents', () => {
  it('Q4: stores type, size, SHA-256 and the bytes', async () => {
    const q = await submitQualification(
      w.ctx(acme.admin),
      input({ documents: [{ documentType: 'AUTHORIZATION_LETTER', file: file(PDF, '授权书.pdf', 'application/pdf') }] }),
    );
    const png = await uploadQualificationDocument(w.ctx(acme.admin), q.id, { documentType: 'BUSINESS_ACCEPTANCE_FORM', file: file(PNG, 'form.png', '') });
    expect(png).toMatchObject({ content_type: 'image/png', size_bytes: PNG.length, sha256: createHash('sha256').update(PNG).digest('hex') });
    const docs = await documentsOf(w.ctx(acme.supervisor), [q.id]);
    expect(docs.map((d) => [d.document_type, d.file_name, d.content_type, d.size_bytes])).toEqual([
      ['AUTHORIZATION_LETTER', '授权书.pdf', 'application/pdf', PDF.length],
      ['BUSINESS_ACCEPTANCE_FORM', 'form.png', 'image/png', PNG.length],
    ]);
    expect(docs[0]!.sha256).toBe(createHash('sha256').update(PDF).digest('hex'));
    const stored = await documentForDownload(w.ctx(acme.supervisor), docs[0]!.id);
    expect(Buffer.compare(stored.content, PDF)).toBe(0);
    expect(await rejects(documentForDownload(w.ctx(beta.admin), docs[0]!.id))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await documentsOf(w.ctx(beta.admin), [q.id])).toEqual([]);
    expect(await rejects(uploadQualificationDocument(w.ctx(beta.admin), q.id, { documentType: 'AUTHORIZATION_LETTER', file: file(PDF, 'a.pdf', 'application/pdf') }))).toMatchObject({
      code: 'NOT_FOUND',
      field: 'qualificationId',
    });
  });

  it('Q4: size limit gives DOCUMENT_TOO_LARGE naming the document', async () => {
    const q = await submitQualification(w.ctx(acme.admin), input());
    const ctx = { ...w.ctx(acme.admin), settings: { ...w.ctx().settings, maxDocumentBytes: 1024 } };
    const big = Buffer.concat([PDF, Buffer.alloc(2000)]);
    const e = await rejects(uploadQualificationDocument(ctx, q.id, { documentType: 'AUTHORIZATION_LETTER', file: file(big, 'big.pdf', 'application/pdf') }));
    expect(e).toMatchObject({ code: 'DOCUMENT_TOO_LARGE', field: 'file' });
    expect(e.message).toMatch(/big\.pdf.*at most 1 KB/);
  });

  it('Q4: only PDF, PNG and JPEG, decided by the content: a renamed file is refused', async () => {
    const q = await submitQualification(w.ctx(acme.admin), input());
    const up = (f: File) => rejects(uploadQualificationDocument(w.ctx(acme.admin), q.id, { documentType: 'AUTHORIZATION_LETTER', file: f }));
    const exe = Buffer.from('MZ\x90\x00 this is not a document');
    expect(await up(file(exe, 'letter.pdf', 'application/pdf'))).toMatchObject({ code: 'DOCUMENT_TYPE_NOT_ALLOWED', field: 'file' });
    expect(await up(file(Buffer.from('hello'), 'a.txt', 'text/plain'))).toMatchObject({ code: 'DOCUMENT_TYPE_NOT_ALLOWED' });
    expect(await up(file(PNG, 'scan.pdf', 'application/pdf'))).toMatchObject({
      code: 'DOCUMENT_TYPE_NOT_ALLOWED',
      message: expect.stringMatching(/declared as application\/pdf but its content is image\/png/),
    });
    expect(await up(file(PNG, 'scan.jpg', 'application/octet-stream'))).toMatchObject({ code: 'DOCUMENT_TYPE_NOT_ALLOWED' });
    expect(sniffContentType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffContentType(Buffer.concat([Buffer.from('\r\n'), PDF]))).toBe('application/pdf');
    expect(sniffContentType(Buffer.concat([Buffer.alloc(2000), PDF]))).toBeNull();
  });

  it('Q4: submitting with documents is one transaction: a bad document leaves nothing written', async () => {
    const before = await w.db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const e = await rejects(
      submitQualification(
        w.ctx(acme.admin),
        input({
          companyName: 'Rollback Ltd',
          documents: [
            { documentType: 'AUTHORIZATION_LETTER', file: file(PDF, 'ok.pdf', 'application/pdf') },
            { documentType: 'SECURITY_SERVICE_AGREEMENT', file: file(Buffer.from('GIF89a'), 'bad.pdf', 'application/pdf') },
          ],
        }),
      ),
    );
    expect(e).toMatchObject({ code: 'DOCUMENT_TYPE_NOT_ALLOWED', field: 'input.documents.1.file' });
    expect(await w.db.selectFrom('qualifications').select('id').where('company_name', '=', 'Rollback Ltd').execute()).toHaveLength(0);
    expect(await w.db.selectFrom('qualification_documents').select('id').where('file_name', '=', 'ok.pdf').execute()).toHaveLength(0);
    const after = await w.db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});
