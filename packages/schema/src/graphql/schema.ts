import { builder } from './builder.js';
import '../modules/system/system.graphql.js';
import '../modules/events/events.graphql.js';
import '../modules/tenants/tenants.graphql.js';
import '../modules/qualifications/qualifications.graphql.js';
import '../modules/billing/billing.graphql.js';
import '../modules/numbers/numbers.graphql.js';

export const schema = builder.toSchema({ sortSchema: true });
