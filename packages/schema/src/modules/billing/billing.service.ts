// The billing module's entry (M1): tariffs, balances and the ledger; orders and their effects.
export * from './billing.ledger.js';
export * from './billing.orders.js';
