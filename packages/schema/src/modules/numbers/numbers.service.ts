// The numbers module's entry: N1 inventory, N2 purchase, N4 terms and renewal, N5 guards, one file each.
export * from './numbers.status.js';
export * from './numbers.inventory.js';
export * from './numbers.queries.js';
export * from './numbers.purchase.js';
export * from './numbers.terms.js';
export * from './numbers.guards.js';
