import { minimalQualificationInput } from '@callplane/schema/testing';
import type { TestApp } from './app.js';
import type { TenantFixture } from './context.js';
import { ok } from './graphql.js';

const Q = {
  submit: `mutation($input: QualificationInput!) { submitQualification(input: $input) { id } }`,
  approve: `mutation($id: ID!) { reviewQualification(id: $id, decision: APPROVE) { status } }`,
  apply: `mutation($input: NumberApplicationInput!) { applyForNumbers(input: $input) { id } }`,
};

/** A STANDARD qualification of the tenant, approved by the operator: its global id. */
export async function approvedQualification(t: TestApp, tenant: TenantFixture): Promise<string> {
  const id = ok(await t.gql(Q.submit, { input: { ...minimalQualificationInput, kind: 'STANDARD' } }, tenant.keys.admin)).submitQualification.id as string;
  ok(await t.gql(Q.approve, { id }));
  return id;
}

/** N3: files an application for a Beijing local number under the qualification (it waits for review): its global id. */
/** N3: a complete application for a local Beijing number, with `over` replacing fields. */
export const applicationInput = (qualificationId: string, over: Record<string, unknown> = {}) => ({
  purpose: 'MARKETING',
  scenarios: [{ scenario: 'Product promotion', script: 'Hello, Acme has a new plan for you …' }],
  type: 'LOCAL',
  province: '北京',
  city: '北京',
  contactName: 'Li Si',
  contactMobile: '138 0013 8000',
  contactEmail: 'li.si@acme.example',
  qualificationId,
  ...over,
});

export async function applyForLocalNumber(t: TestApp, tenant: TenantFixture, qualificationId: string): Promise<string> {
  const input = applicationInput(qualificationId);
  return ok(await t.gql(Q.apply, { input }, tenant.keys.admin)).applyForNumbers.id as string;
}
