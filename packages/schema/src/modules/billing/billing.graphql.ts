import { builder } from '../../graphql/builder.js';
import { textLength } from '../../shared/text.js';
import { keysetConnection } from '../../graphql/connection.js';
import { loadScopedRows } from '../../graphql/loaders.js';
import { statusChangeSubscription } from '../events/events.graphql.js';
import type { StoredEvent } from '../events/events.service.js';
import { TenantRef } from '../tenants/tenants.graphql.js';
import {
  adjustBalance,
  balanceOf,
  cancelOrder,
  ledgerQuery,
  linesOf,
  listTariffs,
  ordersQuery,
  payOrder,
  setTariff,
  topUpBalance,
} from './billing.service.js';
import { LEDGER_KINDS, ORDER_STATUSES, type Balance, type LedgerEntry, type Order, type OrderLine, type OrderStatus, type Tariff } from './billing.table.js';

export const OrderStatusEnum = builder.enumType('OrderStatus', { values: ORDER_STATUSES });
const LedgerKindEnum = builder.enumType('LedgerKind', { values: LEDGER_KINDS });

export const TariffRef = builder.loadableObject('Tariff', {
  description: 'A price (M1): number rents, 400 minimum spends, voice packages… Amounts are exact CNY decimals.',
  load: (codes: string[], ctx) => listTariffs(ctx, codes),
  sort: (t: Tariff) => t.code,
  fields: (t) => ({
    code: t.exposeString('code'),
    description: t.exposeString('description'),
    amount: t.field({ type: 'Decimal', resolve: (x) => x.amount }),
    unit: t.exposeString('unit', { description: 'What one amount buys: NUMBER_MONTH, PACKAGE or MINUTE.' }),
    currency: t.string({ resolve: () => 'CNY' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

export const OrderLineRef = builder.objectRef<OrderLine>('OrderLine').implement({
  description: 'One priced item of an order; its unit price is the tariff when the order was made.',
  fields: (t) => ({
    position: t.exposeInt('position'),
    kind: t.exposeString('kind', { description: 'NUMBER_PURCHASE, NUMBER_RENEWAL, …' }),
    description: t.exposeString('description'),
    tariffCode: t.exposeString('tariff_code'),
    quantity: t.exposeInt('quantity', { description: 'Months for numbers.' }),
    unitPrice: t.field({ type: 'Decimal', resolve: (l) => l.unit_price }),
    amount: t.field({ type: 'Decimal', resolve: (l) => l.amount }),
    periodStart: t.expose('period_start', { type: 'DateTime', nullable: true }),
    periodEnd: t.expose('period_end', { type: 'DateTime', nullable: true }),
  }),
});

export const OrderRef = builder.loadableNode('Order', {
  description: 'An order (M1): UNPAID until paid from the balance, or CANCELLED, or EXPIRED.',
  id: { resolve: (o: Order) => o.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'orders', ids),
  sort: (o) => o.id,
  fields: (t) => ({
    orderNo: t.exposeString('order_no'),
    kind: t.exposeString('kind', { description: 'PURCHASE, RENEWAL, …' }),
    status: t.field({ type: OrderStatusEnum, resolve: (o) => o.status }),
    total: t.field({ type: 'Decimal', resolve: (o) => o.total }),
    currency: t.string({ resolve: () => 'CNY' }),
    lines: t.loadableGroup({
      type: OrderLineRef,
      load: (ids: string[], ctx) => linesOf(ctx, ids),
      group: (l) => (l as OrderLine).order_id,
      resolve: (o) => o.id,
    }),
    tenant: t.field({ type: TenantRef, resolve: (o) => o.tenant_id }),
    expiresAt: t.expose('expires_at', { type: 'DateTime', nullable: true, description: 'An UNPAID order expires then.' }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    paidAt: t.expose('paid_at', { type: 'DateTime', nullable: true }),
    closedAt: t.expose('closed_at', { type: 'DateTime', nullable: true, description: 'When it was cancelled or expired.' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
  }),
});

export const LedgerEntryRef = builder.loadableNode('LedgerEntry', {
  description: 'One movement of a balance, with the balance after it.',
  id: { resolve: (e: LedgerEntry) => e.id },
  load: (ids: string[], ctx) => loadScopedRows(ctx, 'ledger_entries', ids),
  sort: (e) => e.id,
  fields: (t) => ({
    kind: t.field({ type: LedgerKindEnum, resolve: (e) => e.kind }),
    amount: t.field({ type: 'Decimal', description: 'Signed: positive credits, negative debits.', resolve: (e) => e.amount }),
    balanceAfter: t.field({ type: 'Decimal', resolve: (e) => e.balance_after }),
    reference: t.exposeString('reference'),
    description: t.exposeString('description', { nullable: true }),
    order: t.field({ type: OrderRef, nullable: true, resolve: (e) => e.order_id }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
  }),
});

const BalanceRef = builder.objectRef<Balance>('Balance').implement({
  description: "A tenant's prepaid balance in CNY (M1).",
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (b) => b.tenant_id }),
    amount: t.field({ type: 'Decimal', resolve: (b) => b.amount }),
    currency: t.string({ resolve: () => 'CNY' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
    ledger: t.connection({
      type: LedgerEntryRef,
      description: 'Every movement, newest first.',
      resolve: (b, args, ctx) => keysetConnection(args, ledgerQuery(ctx, b.tenant_id), 'ledger_entries'),
    }),
  }),
});

builder.queryFields((t) => ({
  tariffs: t.field({
    type: [TariffRef],
    description: 'Every price, by code.',
    authScopes: { authenticated: true },
    resolve: (_r, _a, ctx) => listTariffs(ctx),
  }),
  balance: t.field({
    type: BalanceRef,
    description: "The key's tenant's balance; an OPERATOR names the tenant.",
    authScopes: { authenticated: true },
    args: { tenantId: t.arg.globalID({ required: false, for: TenantRef }) },
    resolve: (_r, args, ctx) => balanceOf(ctx, args.tenantId?.id),
  }),
  orders: t.connection({
    type: OrderRef,
    description: 'Orders visible to the key, newest first.',
    authScopes: { authenticated: true },
    args: { status: t.arg({ type: OrderStatusEnum, required: false }) },
    resolve: (_r, args, ctx) => keysetConnection(args, ordersQuery(ctx, args), 'orders'),
  }),
  order: t.field({
    type: OrderRef,
    nullable: true,
    description: 'null when the order is not visible to the key.',
    authScopes: { authenticated: true },
    args: { id: t.arg.globalID({ for: OrderRef }) },
    resolve: (_r, args) => args.id.id,
  }),
}));

builder.mutationFields((t) => ({
  topUpBalance: t.field({
    type: BalanceRef,
    description: "Credits a tenant's balance (OPERATOR); the ledger keeps the movement.",
    args: {
      tenantId: t.arg.globalID({ for: TenantRef }),
      amount: t.arg({ type: 'Decimal' }),
      note: t.arg.string({ required: false, validate: textLength(500) }),
    },
    resolve: (_r, args, ctx) => topUpBalance(ctx, { tenantId: args.tenantId.id, amount: args.amount, note: args.note }),
  }),
  adjustBalance: t.field({
    type: BalanceRef,
    description: 'M2: corrects a tenant’s balance (OPERATOR): a signed amount (negative debits, possibly into arrears) and why. It shows as an ADJUSTMENT line on the next statement.',
    args: {
      tenantId: t.arg.globalID({ for: TenantRef }),
      amount: t.arg({ type: 'Decimal' }),
      note: t.arg.string({ validate: textLength(500) }),
    },
    resolve: (_r, args, ctx) => adjustBalance(ctx, { tenantId: args.tenantId.id, amount: args.amount, note: args.note }),
  }),
  payOrder: t.field({
    type: OrderRef,
    description: 'Pays an UNPAID order from the balance, atomically. Not enough balance: INSUFFICIENT_BALANCE, nothing changes.',
    args: { orderId: t.arg.globalID({ for: OrderRef }) },
    resolve: (_r, args, ctx) => payOrder(ctx, args.orderId.id),
  }),
  cancelOrder: t.field({
    type: OrderRef,
    description: 'Cancels an UNPAID order; a number it reserved goes back to stock.',
    args: { orderId: t.arg.globalID({ for: OrderRef }) },
    resolve: (_r, args, ctx) => cancelOrder(ctx, args.orderId.id),
  }),
  setTariff: t.field({
    type: TariffRef,
    description: 'Changes a price (OPERATOR). Orders already made keep their prices.',
    args: {
      code: t.arg.string(),
      amount: t.arg({ type: 'Decimal' }),
      description: t.arg.string({ required: false, validate: textLength(500) }),
    },
    resolve: (_r, args, ctx) => setTariff(ctx, args),
  }),
}));

const OrderStatusChange = builder.objectRef<StoredEvent>('OrderStatusChange').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume right after this change.' }),
    order: t.field({ type: OrderRef, resolve: (e) => e.subjectId }),
    orderNo: t.string({ resolve: (e) => e.payload.orderNo as string }),
    status: t.field({ type: OrderStatusEnum, resolve: (e) => e.payload.status as OrderStatus }),
    previousStatus: t.field({ type: OrderStatusEnum, nullable: true, resolve: (e) => (e.payload.previousStatus as OrderStatus | null) ?? null }),
    total: t.field({ type: 'Decimal', resolve: (e) => e.payload.total as string }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
  }),
});

statusChangeSubscription('orderStatusChanged', {
  type: OrderStatusChange,
  eventType: 'ORDER_STATUS_CHANGED',
  description: 'Order status changes the key may see (own tenant; OPERATOR: all), replayed after `after`, then live.',
  afterDescription: 'The cursor of the last change received.',
});
