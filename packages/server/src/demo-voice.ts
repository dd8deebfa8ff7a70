import type { Clock, ServiceContext } from '@callplane/schema/core';
import { buyVoicePackage, createVoiceApp, DomainError, importNumbers, openVoiceNumbers, reportVoiceMessages, sendVoiceMessage, topUpBalance } from '@callplane/schema/core';
import type { DemoWorld } from './demo.js';

export const DEMO_VOICE_APP = 'Demo notifications';
/** Days of message history before today, and how many messages each day (a week-on-week shape). */
const HISTORY = [7, 11, 9, 15, 13, 6, 5, 12, 17, 14, 20, 16, 8, 6];
const DAY_MS = 86_400_000;

/** The services run at a past instant: the history is made as it would have happened then. */
const at = (ctx: ServiceContext, when: Date): ServiceContext => ({ ...ctx, clock: { now: () => new Date(when), manual: ctx.clock.manual } satisfies Clock });

/**
 * V1–V3 demo: a voice app with three Nanjing numbers opened 15 days ago, two minute packages (a
 * fixed 10 000-minute one and a custom 5 000-minute one) bought then, and two weeks of messages
 * (most answered, some unanswered or rejected) sent and reported through the voice services day by
 * day, so that the package bars, the usage chart and the run-out date have something to show.
 */
export async function demoVoice(ctx: ServiceContext, w: DemoWorld): Promise<string | null> {
  const exists = await ctx.db.selectFrom('voice_apps').select('id').where('tenant_id', '=', w.tenantId).executeTakeFirst();
  if (exists) return null;
  const now = ctx.clock.now();
  const start = new Date(now.getTime() - (HISTORY.length + 1) * DAY_MS);
  const admin = at({ ...ctx, actor: w.admin }, start);
  // under the tenant's approved STANDARD qualification (the demo's first step made it); none: no voice demo.
  // No status URL: there is no receiver behind a demo host, so every outcome would end a dead letter
  // (set one on the app to see the signed pushes).
  const app = await createVoiceApp(admin, { name: DEMO_VOICE_APP }).catch((err: unknown) => {
    if (err instanceof DomainError && err.code === 'QUALIFICATION_NOT_APPROVED') return null;
    throw err;
  });
  if (!app) return null;
  const operator = { ...ctx, actor: w.operator };
  await importNumbers(operator, [1, 2, 3].map((i) => ({ number: `025-8300 01${i}0`, type: 'LOCAL', province: '江苏', city: '南京', carrier: 'CHINA_TELECOM' })));
  await topUpBalance(at(operator, start), { tenantId: w.tenantId, amount: '2000', note: 'demo credit for voice messages' });
  await openVoiceNumbers(admin, { appId: app.id, count: 3, city: '南京' });
  await buyVoicePackage(admin, { fixedPackage: 'FIXED_10K' });
  await buyVoicePackage(at(admin, new Date(start.getTime() + 3_600_000)), { minutes: 5_000 });
  let sent = 0;
  for (const [d, count] of HISTORY.entries()) {
    const day = new Date(start.getTime() + (d + 1) * DAY_MS);
    for (let i = 0; i < count; i++) {
      const sentAt = new Date(day.getTime() + i * 17 * 60_000);
      const m = await sendVoiceMessage(at({ ...ctx, actor: w.admin }, sentAt), { appId: app.id, to: `+86139001${String(3000 + ((d * 37 + i) % 1000)).padStart(5, '0')}`, text: `Your order ${1000 + sent} ships today` });
      const outcome = (d + i) % 9 === 0 ? { status: 'REJECTED' as const } : (d + i) % 5 === 0 ? { status: 'UNANSWERED' as const } : { status: 'ANSWERED' as const, durationSeconds: 20 + ((d * 13 + i * 29) % 170) };
      const reportedAt = new Date(sentAt.getTime() + 60_000);
      await reportVoiceMessages(at({ ...ctx, actor: w.admin }, reportedAt), [{ messageId: m.id, at: reportedAt, ...outcome }]);
      sent++;
    }
  }
  return `voice: app '${DEMO_VOICE_APP}' with 3 Nanjing numbers, packages of 10 000 (fixed) and 5 000 (custom) minutes, ${sent} messages over ${HISTORY.length} days`;
}
