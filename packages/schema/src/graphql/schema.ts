import { builder } from './builder.js';
import { enforceMutationPolicy } from './mutation-policy.js';
import './error-codes.js';
import '../modules/system/system.graphql.js';
import '../modules/events/events.graphql.js';
import '../modules/tenants/tenants.graphql.js';
import '../modules/qualifications/qualifications.graphql.js';
import '../modules/billing/billing.graphql.js';
import '../modules/numbers/numbers.graphql.js';
import '../modules/outbox/outbox.graphql.js';
import '../modules/applications/applications.graphql.js';
import '../modules/applications/applications.materials.graphql.js';
import '../modules/numbers/unsubscribe.graphql.js';
import '../modules/instances/instances.graphql.js';
import '../modules/instances/flows.graphql.js';

export const schema = enforceMutationPolicy(builder.toSchema({ sortSchema: true }));
