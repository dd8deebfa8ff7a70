import { graphql, type ResultOf } from './tada';

export const OrderFields = graphql(`
  fragment OrderFields on Order {
    id orderNo kind status total currency createdAt updatedAt paidAt expiresAt closedAt
    tenant { id name }
    lines { position kind description quantity unitPrice amount periodStart periodEnd number { id e164 } }
  }
`);

export const OrdersQuery = graphql(
  `
    query Orders($status: OrderStatus, $first: Int) {
      orders(status: $status, first: $first) { edges { node { ...OrderFields } } }
    }
  `,
  [OrderFields],
);

export const OrderStatusSubscription = graphql(
  `
    subscription OrderStatusChanged($after: String) {
      orderStatusChanged(after: $after) { cursor orderNo status previousStatus total occurredAt order { ...OrderFields } }
    }
  `,
  [OrderFields],
);

export const PayOrderMutation = graphql(
  `
    mutation PayOrder($orderId: ID!) {
      payOrder(orderId: $orderId) { ...OrderFields }
    }
  `,
  [OrderFields],
);

export const CancelOrderMutation = graphql(
  `
    mutation CancelOrder($orderId: ID!) {
      cancelOrder(orderId: $orderId) { ...OrderFields }
    }
  `,
  [OrderFields],
);

export const BalanceQuery = graphql(`
  query Balance($tenantId: ID, $first: Int) {
    balance(tenantId: $tenantId) {
      amount currency updatedAt
      tenant { id name }
      ledger(first: $first) {
        edges { node { id kind amount balanceAfter reference description createdAt order { id orderNo } } }
      }
    }
  }
`);

export const TopUpBalanceMutation = graphql(`
  mutation TopUpBalance($tenantId: ID!, $amount: Decimal!, $note: String) {
    topUpBalance(tenantId: $tenantId, amount: $amount, note: $note) { amount currency updatedAt tenant { id name } }
  }
`);

export const TenantsQuery = graphql(`
  query Tenants($first: Int) {
    tenants(first: $first) { edges { node { id name } } }
  }
`);

/** Balance movements: the balance query is read again when one arrives. */
export const BalanceEventsSubscription = graphql(`
  subscription BalanceEvents($after: String) {
    events(after: $after, types: [BALANCE_CHANGED]) { cursor tenantId occurredAt }
  }
`);

export type Order = ResultOf<typeof OrderFields>;
export type OrderStatus = Order['status'];
export type Balance = ResultOf<typeof BalanceQuery>['balance'];
export type LedgerEntry = Balance['ledger']['edges'][number]['node'];
export type TenantOption = ResultOf<typeof TenantsQuery>['tenants']['edges'][number]['node'];

export const ORDER_STATUSES: OrderStatus[] = ['UNPAID', 'PAID', 'CANCELLED', 'EXPIRED'];
