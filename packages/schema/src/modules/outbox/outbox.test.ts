import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeAndBeta, type ServiceWorld, type TenantFixture } from '../../../../../test/support/context.js';
import { inTransaction } from '../../db/transaction.js';
import type { OutboxEmail } from './outbox.table.js';
import { outboxQuery, queueEmail, sendOutboxEmail, setEmailTransport } from './outbox.service.js';

let w: ServiceWorld;
let acme: TenantFixture;
let beta: TenantFixture;

beforeAll(async () => {
  ({ w, acme, beta } = await acmeAndBeta());
});
afterAll(async () => {
  setEmailTransport(null);
  await w?.drop();
});

const queue = (tenantId: string, to: string) =>
  inTransaction(w.ctx(), (tx) => queueEmail(tx, { tenantId, to, subject: 'Please pay', body: 'Order ORD1', subjectId: 'x' }));
const sendJobs = async (id: string) =>
  Number((await sql<{ n: string }>`select count(*)::text as n from graphile_worker.jobs where key = ${`email:${id}`}`.execute(w.db)).rows[0]!.n);

describe('N3: the email outbox', () => {
  it('N3: without a transport emails stay in the outbox, unsent, and no send job is queued', async () => {
    const email = await queue(acme.tenantId, 'a@acme.example');
    expect(email.sent_at).toBeNull();
    expect(await sendJobs(email.id)).toBe(0);
    expect((await outboxQuery(w.ctx(acme.supervisor)).execute()).map((e) => e.to)).toEqual(['a@acme.example']);
    expect(await outboxQuery(w.ctx(beta.admin)).execute()).toEqual([]);
  });

  it('N3: with a transport (SMTP in the server) a send job delivers the email and marks it sent; a failure is kept for the retry', async () => {
    const sent: OutboxEmail[] = [];
    let fail = true;
    setEmailTransport(async (e) => {
      if (fail) throw new Error('421 try again later');
      sent.push(e);
    });
    const email = await queue(beta.tenantId, 'b@beta.example');
    expect(await sendJobs(email.id)).toBe(1);
    await expect(sendOutboxEmail(w.ctx(), email.id)).rejects.toThrow('421');
    expect((await outboxQuery(w.ctx()).where('outbox_emails.id', '=', email.id).executeTakeFirstOrThrow()).last_error).toBe('421 try again later');
    fail = false;
    const done = (await sendOutboxEmail(w.ctx(), email.id))!;
    expect(done.sent_at).toEqual(w.clock.now());
    expect(done.last_error).toBeNull();
    expect(sent.map((e) => e.to)).toEqual(['b@beta.example']);
    await sendOutboxEmail(w.ctx(), email.id); // sent once only
    expect(sent).toHaveLength(1);
  });
});
