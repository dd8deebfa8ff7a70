// The privacy module's entry (P1–P7, P9): apps and secrets, pools, bindings, expiry, reads; one file per concern.
export * from './privacy.codes.js';
export * from './privacy.apps.js';
export * from './privacy.pools.js';
export * from './privacy.usage.js';
export * from './privacy.bind.js';
export * from './privacy.unbind.js';
export * from './privacy.end.js';
export * from './privacy.queries.js';
