// M2: closing a tenant's monthly statement, on the first of the next month in its time zone.
import { sql, type RawBuilder } from 'kysely';
import type { ServiceContext } from '../../context.js';
import { inTransaction, type Tx } from '../../db/transaction.js';
import { systemDb } from '../../access/scope.js';
import { scheduleJob } from '../../jobs/schedule.js';
import type { Sweep } from '../../jobs/sweep.js';
import { addCalendarMonths, calendarDate, monthBounds, monthInZone, type Month } from '../../shared/calendar.js';
import { createOrder, lockBalance, settleOrder, type NewOrderLine, type OrderLineEffect } from '../billing/billing.service.js';
import type { LedgerEntry, OrderLine } from '../billing/billing.table.js';
import { formatMoney, money, type Money } from '../billing/money.js';
import type { Statement, StatementLineKind } from './statements.table.js';
import { inUsageWindow, usageWindow, type UsageWindow } from './statements.window.js';

/** The job's name; its handler is registered by the module list (modules.ts). */
export const CLOSE_STATEMENTS_TASK = 'statements.close';
/** Call minutes are charged at month close with this tariff (an OPERATOR changes it with setTariff). */
export const CALL_MINUTE_TARIFF = 'CALL_MINUTE';
/** The order that charges a month's call minutes, one CALL_MINUTES line per app or instance. */
export const USAGE_ORDER_KIND = 'MONTHLY_USAGE';
export const USAGE_LINE_KIND = 'CALL_MINUTES';
export const TOLL_FREE_NOTE = 'covered by the 400 number’s monthly minimum spend (N5): not charged again';
/** A statement line of the package minutes a voice app's messages took (V3): 0 CNY. */
export const VOICE_LINE_KIND = 'VOICE_MINUTES';
export const VOICE_MINUTES_NOTE = 'paid by the prepaid minute packages (V2) when they were bought: not charged again';
/**
 * A month's statement closes this long into the 1st: the switch reports the calls that ended in
 * the month's last seconds a moment after it ended, and their minutes belong to that month. (A
 * money movement committed later goes on the next statement, and so does a CDR or a voice
 * message's outcome stored later: statements.window.ts.)
 */
export const CLOSE_GRACE_MS = 10 * 60_000;
/** The time by which months have ended for closing. */
const closingTime = (now: Date) => new Date(now.getTime() - CLOSE_GRACE_MS);

/** A usage line is paid when its order is: nothing else to do. */
export const usageLinePaid: OrderLineEffect = async () => {};

/** The months of the tenant that have ended by now and have no statement yet, oldest first. */
async function dueMonths(ctx: ServiceContext, tenantId: string): Promise<{ months: Month[]; timeZone: string } | null> {
  const db = systemDb(ctx);
  const tenant = await db.selectFrom('tenants').select(['time_zone', 'created_at']).where('id', '=', tenantId).executeTakeFirst();
  if (!tenant) return null;
  const last = await db.selectFrom('statements').select('month').where('tenant_id', '=', tenantId).orderBy('month', 'desc').limit(1).executeTakeFirst();
  const first = last ? addCalendarMonths(calendarDate(last.month).slice(0, 7), 1) : monthInZone(tenant.created_at, tenant.time_zone);
  const lastEnded = addCalendarMonths(monthInZone(closingTime(ctx.clock.now()), tenant.time_zone), -1);
  const months: Month[] = [];
  for (let m = first; m <= lastEnded; m = addCalendarMonths(m, 1)) months.push(m);
  return { months, timeZone: tenant.time_zone };
}

/**
 * M2: closes every month of the tenant that has ended (CLOSE_GRACE_MS ago) and has no statement yet
 * (oldest first), then queues the job for the next first of the month. Idempotent: a rerun, a restart, the sweep and
 * the job running at once close each month once (unique (tenant, month), under the balance lock).
 * A job that runs early closes nothing and queues itself again.
 */
export async function closeDueStatements(ctx: ServiceContext, tenantId: string): Promise<Statement[]> {
  const due = await dueMonths(ctx, tenantId);
  if (!due) return [];
  const closed: Statement[] = [];
  for (const month of due.months) {
    const s = await closeStatement(ctx, tenantId, month);
    if (s) closed.push(s);
  }
  const next = new Date(monthBounds(addCalendarMonths(monthInZone(closingTime(ctx.clock.now()), due.timeZone), 1), due.timeZone).start.getTime() + CLOSE_GRACE_MS);
  await scheduleJob(systemDb(ctx), CLOSE_STATEMENTS_TASK, { tenantId }, { runAt: next, jobKey: `statements:${tenantId}` });
  return closed;
}

/** Safety net of the monthly job: tenants whose last ended month has no statement. */
export const sweepDueStatements: Sweep = async (ctx) => {
  const now = closingTime(ctx.clock.now());
  const overdue = await systemDb(ctx)
    .selectFrom('tenants as t')
    .select('t.id')
    .where(sql<boolean>`date_trunc('month', t.created_at at time zone t.time_zone) < date_trunc('month', ${now}::timestamptz at time zone t.time_zone)`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('statements as s')
            .select('s.id')
            .whereRef('s.tenant_id', '=', 't.id')
            .where(sql<boolean>`s.month = (date_trunc('month', ${now}::timestamptz at time zone t.time_zone) - interval '1 month')::date`),
        ),
      ),
    )
    .execute();
  let closed = 0;
  for (const t of overdue) closed += (await closeDueStatements(ctx, t.id)).length;
  return closed;
};

interface NewLine {
  kind: StatementLineKind;
  description: string;
  tariffCode: string | null;
  quantity: number;
  unitPrice: Money;
  amount: Money;
  note?: string | null;
  cdr?: { appId: string | null; instanceId: string | null; tollFree: boolean };
  voiceAppId?: string;
  sources: { orderId: string | null; orderLineId: string | null; ledgerEntryId: string | null }[];
}

/** The statement kind of a paid order line. */
function kindOf(line: Pick<OrderLine, 'kind' | 'tariff_code'>): StatementLineKind {
  switch (line.kind) {
    case 'VOICE_NUMBER_FEE':
      return 'VOICE_NUMBER_FEE';
    case 'VOICE_PACKAGE':
      return 'VOICE_PACKAGE';
    case USAGE_LINE_KIND:
      return 'CALL_MINUTES';
    case 'NUMBER_PURCHASE':
    case 'NUMBER_RENEWAL':
    case 'NUMBER_APPLICATION':
      return line.tariff_code.startsWith('TOLL_FREE_400_') ? 'MINIMUM_SPEND_400' : 'NUMBER_RENT';
    default:
      return 'OTHER';
  }
}
const KIND_ORDER: readonly StatementLineKind[] = ['NUMBER_RENT', 'MINIMUM_SPEND_400', 'VOICE_NUMBER_FEE', 'VOICE_PACKAGE', 'CALL_MINUTES', 'VOICE_MINUTES', 'OTHER', 'ADJUSTMENT'];

/** A voice app's minutes: 0 CNY, its sources the messages (a query, statements.queries.ts). */
const voiceLine = (g: VoiceGroup): NewLine => ({
  kind: VOICE_LINE_KIND,
  description: describeVoice(g),
  tariffCode: null,
  quantity: g.minutes,
  unitPrice: money(0),
  amount: money(0),
  note: VOICE_MINUTES_NOTE,
  voiceAppId: g.app_id,
  sources: [],
});

/** Records of earlier months that a statement holds because the switch reported them after their month closed. */
interface Late {
  /** How many, and their months (YYYY-MM, comma-separated). */
  late: number;
  late_months: string | null;
}

interface UsageGroup extends Late {
  app_id: string | null;
  instance_id: string | null;
  toll_free: boolean;
  minutes: number;
  calls: number;
  name: string | null;
}

/** How many records of `at` are from before the period's start, and their months (YYYY-MM in the tenant's zone, joined as `t`). */
const lateOf = (at: RawBuilder<unknown>, start: Date) => {
  const month = sql`to_char(${at} at time zone t.time_zone, 'YYYY-MM')`;
  return sql`count(*) filter (where ${at} < ${start}::timestamptz)::int as late,
    string_agg(distinct ${month}, ', ' order by ${month}) filter (where ${at} < ${start}::timestamptz) as late_months`;
};

/**
 * Billable minutes of the statement's CDRs (statements.window.ts) per privacy app or instance, on
 * 400 numbers or not (C2: billable_minutes).
 */
async function callUsage(tx: Tx, tenantId: string, w: UsageWindow, start: Date): Promise<UsageGroup[]> {
  const r = await sql<UsageGroup>`
    select u.app_id, u.instance_id, u.toll_free, u.minutes::int as minutes, u.calls::int as calls, u.late, u.late_months,
           coalesce(pa.name, i.name) as name
    from (
      select c.app_id, c.instance_id,
             exists (select 1 from numbers n where n.e164 = c.x_e164 and n.type = 'TOLL_FREE_400') as toll_free,
             sum(c.billable_minutes) as minutes, count(*) as calls, ${lateOf(sql.ref('c.ended_at'), start)}
      from cdrs c join tenants t on t.id = c.tenant_id
      where c.tenant_id = ${tenantId} and ${inUsageWindow(w, sql.ref('c.ended_at'), sql.ref('c.created_at'))}
      group by 1, 2, 3
    ) u
    left join privacy_apps pa on pa.id = u.app_id
    left join instances i on i.id = u.instance_id
    order by name nulls last, u.app_id, u.instance_id, u.toll_free`.execute(tx.trx);
  return r.rows;
}

interface VoiceGroup extends Late {
  app_id: string;
  name: string | null;
  minutes: number;
  messages: number;
}

/**
 * V3: the package minutes the statement's voice messages took, per voice app: a message's own time
 * is its outcome's (reported_at), its storing time its deduction's (voice_package_usages).
 */
async function voiceUsage(tx: Tx, tenantId: string, w: UsageWindow, start: Date): Promise<VoiceGroup[]> {
  const r = await sql<VoiceGroup>`
    select v.app_id, a.name, v.minutes::int as minutes, v.messages::int as messages, v.late, v.late_months
    from (
      select m.app_id, sum(u.minutes) as minutes, count(*) as messages, ${lateOf(sql.ref('m.reported_at'), start)}
      from voice_messages m join tenants t on t.id = m.tenant_id
      join (select message_id, sum(minutes) as minutes, max(created_at) as created_at from voice_package_usages where tenant_id = ${tenantId} group by 1) u on u.message_id = m.id
      where m.tenant_id = ${tenantId} and ${inUsageWindow(w, sql.ref('m.reported_at'), sql.ref('u.created_at'))}
      group by 1
    ) v
    left join voice_apps a on a.id = v.app_id
    order by a.name nulls last, v.app_id`.execute(tx.trx);
  return r.rows;
}

const lateNote = (g: Late, what: string) => (g.late ? `, ${g.late} of them ${what} in ${g.late_months}, reported too late for that month’s statement` : '');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const describeUsage = (g: UsageGroup) =>
  `Call minutes, ${g.app_id ? 'privacy app' : g.instance_id ? 'call-center instance' : 'no app'}${g.name ? ` ${g.name}` : ''}${g.toll_free ? ', on 400 numbers' : ''} (${plural(g.calls, 'call')}${lateNote(g, 'ended')})`;

const describeVoice = (g: VoiceGroup) =>
  `Voice-message minutes, voice app${g.name ? ` ${g.name}` : ''} (${plural(g.messages, 'message')}${lateNote(g, 'answered')}): paid by the prepaid minute packages (V2, V3)`;

/**
 * M2: closes one month's statement of a tenant (a month that has ended), in one transaction: the
 * month's call minutes are charged (a PAID MONTHLY_USAGE order, which may take the balance into
 * arrears: usage cannot be refused), then every ledger entry not yet on a statement and written
 * before the month's end (and the usage payment) goes on this one, with the lines they pay for.
 * Returns null when the month was closed already.
 */
export async function closeStatement(ctx: ServiceContext, tenantId: string, month: Month): Promise<Statement | null> {
  return inTransaction(ctx, async (tx) => {
    // the balance lock orders the close after every movement in flight, and two closes one after the other
    await lockBalance(tx, tenantId);
    const tenant = await tx.trx.selectFrom('tenants').select('time_zone').where('id', '=', tenantId).executeTakeFirstOrThrow();
    const { start, end } = monthBounds(month, tenant.time_zone);
    if (end > closingTime(tx.now)) throw new Error(`the month ${month} has not ended ${CLOSE_GRACE_MS / 60_000} minutes ago yet`);
    const existing = await tx.trx.selectFrom('statements').select('id').where('tenant_id', '=', tenantId).where('month', '=', `${month}-01`).executeTakeFirst();
    if (existing) return null;
    const previous = await tx.trx
      .selectFrom('statements')
      .select(['closing_balance', 'period_end', 'closed_at'])
      .where('tenant_id', '=', tenantId)
      .where('month', '<', `${month}-01`)
      .orderBy('month', 'desc')
      .limit(1)
      .executeTakeFirst();
    const first = await tx.trx.selectFrom('statements').select(sql<Date>`min(period_start)`.as('from')).where('tenant_id', '=', tenantId).executeTakeFirst();

    // call minutes: charged per app or instance; on 400 numbers covered by the minimum spend. The
    // CDRs stored since the previous close (a late one of an earlier month too) up to this one.
    const held = usageWindow({ period_end: end, closed_at: tx.now }, previous);
    const usage = await callUsage(tx, tenantId, held, start);
    const voice = await voiceUsage(tx, tenantId, held, start);
    const charged = usage.filter((g) => !g.toll_free && g.minutes > 0);
    let usageOrderId: string | null = null;
    if (charged.length) {
      const lines: NewOrderLine[] = charged.map((g) => ({
        kind: USAGE_LINE_KIND,
        tariffCode: CALL_MINUTE_TARIFF,
        quantity: g.minutes,
        description: `${describeUsage(g)}, ${month}`,
        subjectId: g.app_id ?? g.instance_id,
        periodStart: start,
        periodEnd: end,
      }));
      const { order } = await createOrder(tx, { tenantId, kind: USAGE_ORDER_KIND, lines });
      await settleOrder(tx, ctx, order, { allowArrears: true });
      usageOrderId = order.id;
    }

    // the ledger entries of this statement: not on an earlier one, written before the month's end (or the usage payment)
    const from = first?.from ?? start;
    const entries = await tx.trx
      .selectFrom('ledger_entries as e')
      .selectAll('e')
      .where('e.tenant_id', '=', tenantId)
      .where((eb) =>
        eb.or([
          eb.and([eb('e.created_at', '>=', from), eb('e.created_at', '<', end)]),
          ...(usageOrderId ? [eb('e.order_id', '=', usageOrderId)] : []),
        ]),
      )
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('statement_entries as se').select('se.ledger_entry_id').whereRef('se.ledger_entry_id', '=', 'e.id'))))
      .orderBy('e.created_at')
      .orderBy('e.id')
      .execute();
    const opening = previous
      ? money(previous.closing_balance)
      : money(
          (
            await tx.trx
              .selectFrom('ledger_entries')
              .select(sql<string>`coalesce(sum(amount), 0)`.as('sum'))
              .where('tenant_id', '=', tenantId)
              .where('created_at', '<', start)
              .executeTakeFirstOrThrow()
          ).sum,
        );

    const lines = await linesOf(tx, entries, usage, usageOrderId, voice);
    const topUps = entries.filter((e) => e.kind === 'TOP_UP').reduce((s, e) => s.plus(e.amount), money(0));
    const total = lines.reduce((s, l) => s.plus(l.amount), money(0));
    const closing = entries.reduce((s, e) => s.plus(e.amount), opening);
    // every entry is a top-up, or paid or credited by a line: the statement reconciles with the ledger
    if (!closing.eq(opening.plus(topUps).minus(total)))
      throw new Error(`statement ${month} of ${tenantId} does not reconcile: ${formatMoney(closing)} ≠ ${formatMoney(opening.plus(topUps).minus(total))}`);

    const statement = await tx.trx
      .insertInto('statements')
      .values({
        tenant_id: tenantId,
        month: `${month}-01`,
        time_zone: tenant.time_zone,
        period_start: start,
        period_end: end,
        opening_balance: formatMoney(opening),
        top_ups: formatMoney(topUps),
        total: formatMoney(total),
        closing_balance: formatMoney(closing),
        usage_order_id: usageOrderId,
        closed_at: tx.now,
        created_at: end,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    for (const [i, l] of lines.entries()) {
      const line = await tx.trx
        .insertInto('statement_lines')
        .values({
          statement_id: statement.id,
          tenant_id: tenantId,
          position: i + 1,
          kind: l.kind,
          description: l.description,
          tariff_code: l.tariffCode,
          quantity: l.quantity,
          unit_price: formatMoney(l.unitPrice),
          amount: formatMoney(l.amount),
          note: l.note ?? null,
          cdr_app_id: l.cdr?.appId ?? null,
          cdr_instance_id: l.cdr?.instanceId ?? null,
          cdr_toll_free: l.cdr ? l.cdr.tollFree : null,
          voice_app_id: l.voiceAppId ?? null,
          created_at: tx.now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (l.sources.length)
        await tx.trx
          .insertInto('statement_line_sources')
          .values(l.sources.map((s) => ({ statement_line_id: line.id, tenant_id: tenantId, order_id: s.orderId, order_line_id: s.orderLineId, ledger_entry_id: s.ledgerEntryId, created_at: tx.now })))
          .execute();
    }
    if (entries.length)
      await tx.trx
        .insertInto('statement_entries')
        .values(entries.map((e) => ({ ledger_entry_id: e.id, statement_id: statement.id, tenant_id: tenantId })))
        .execute();
    await tx.emit({
      type: 'STATEMENT_CLOSED',
      tenantId,
      subjectId: statement.id,
      payload: { month, total: statement.total, openingBalance: statement.opening_balance, closingBalance: statement.closing_balance },
    });
    return statement;
  });
}

/** The lines of a statement: the order lines its payments paid (grouped by kind and price), the usage, the adjustments. */
async function linesOf(tx: Tx, entries: LedgerEntry[], usage: UsageGroup[], usageOrderId: string | null, voice: VoiceGroup[]): Promise<NewLine[]> {
  const payments = new Map(entries.filter((e) => e.kind === 'ORDER_PAYMENT' && e.order_id).map((e) => [e.order_id!, e]));
  const orderLines = payments.size
    ? await tx.trx.selectFrom('order_lines').selectAll().where('order_id', 'in', [...payments.keys()]).orderBy('created_at').orderBy('order_id').orderBy('position').execute()
    : [];
  const tariffs = new Map((await tx.trx.selectFrom('tariffs').select(['code', 'description']).execute()).map((t) => [t.code, t.description]));
  const groups = new Map<string, NewLine>();
  const usageLines: NewLine[] = [];
  for (const ol of orderLines) {
    const source = { orderId: ol.order_id, orderLineId: ol.id, ledgerEntryId: payments.get(ol.order_id)!.id };
    const kind = kindOf(ol);
    if (ol.order_id === usageOrderId && ol.kind === USAGE_LINE_KIND) {
      const g = usage.find((u) => !u.toll_free && (u.app_id ?? u.instance_id) === ol.subject_id)!;
      usageLines.push({
        kind,
        description: ol.description,
        tariffCode: ol.tariff_code,
        quantity: ol.quantity,
        unitPrice: money(ol.unit_price),
        amount: money(ol.amount),
        cdr: { appId: g.app_id, instanceId: g.instance_id, tollFree: false },
        sources: [source],
      });
      continue;
    }
    const key = `${kind}|${ol.tariff_code}|${ol.unit_price}`;
    const line = groups.get(key) ?? {
      kind,
      description: tariffs.get(ol.tariff_code) ?? ol.description,
      tariffCode: ol.tariff_code,
      quantity: 0,
      unitPrice: money(ol.unit_price),
      amount: money(0),
      sources: [],
    };
    line.quantity += ol.quantity;
    line.amount = line.amount.plus(ol.amount);
    line.sources.push(source);
    groups.set(key, line);
  }
  for (const g of usage.filter((u) => u.toll_free))
    usageLines.push({
      kind: 'CALL_MINUTES',
      description: describeUsage(g),
      tariffCode: null,
      quantity: g.minutes,
      unitPrice: money(0),
      amount: money(0),
      note: TOLL_FREE_NOTE,
      cdr: { appId: g.app_id, instanceId: g.instance_id, tollFree: true },
      sources: [],
    });
  const adjustments: NewLine[] = entries
    .filter((e) => e.kind === 'ADJUSTMENT')
    .map((e) => ({
      kind: 'ADJUSTMENT',
      description: e.description || e.reference,
      tariffCode: null,
      quantity: 1,
      // an adjustment credits (or debits) the balance: on the statement it lessens (or adds to) the total
      unitPrice: money(e.amount).negated(),
      amount: money(e.amount).negated(),
      sources: [{ orderId: e.order_id, orderLineId: null, ledgerEntryId: e.id }],
    }));
  const grouped = [...groups.values()].map((l) => (l.sources.length > 1 ? { ...l, description: `${l.description} (${l.sources.length} items)` } : l));
  return [...grouped, ...usageLines, ...voice.map(voiceLine), ...adjustments].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
}
