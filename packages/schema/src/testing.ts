// @callplane/schema/testing: what the end-to-end suites need beyond the public surface — the
// printed SDL, the access policy tables and sample inputs.
export { printedSchema, schemaFile } from './graphql/print.js';
export { FIELD_POLICY, MUTATION_ROLES, READ_POLICY, VALUE_TYPES, mayReadField, policyOfType, type PolicyTable, type TablePolicy } from './access/policy.js';
export { minimalQualificationInput, REAL_CREDIT_CODE, sampleQualificationInput } from './modules/qualifications/qualifications.fixtures.js';
export type { QualificationKind, QualificationStatus } from './modules/qualifications/qualifications.table.js';
export { activeNumber, runningInstance } from './modules/instances/instances.fixtures.js';
