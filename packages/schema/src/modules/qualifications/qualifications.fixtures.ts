/** Test data shared by the service and API tests of qualifications. */

/** A real unified social credit code (the GB 32100-2015 example); its check character is '3'. */
export const REAL_CREDIT_CODE = '91350100M000100Y43';

/** A complete, valid qualification input (dated licence, Chinese mobile). */
export const sampleQualificationInput = {
  kind: 'STANDARD' as const,
  companyName: 'Acme Telecom Ltd',
  creditCode: REAL_CREDIT_CODE,
  legalRepresentative: 'Zhang San',
  licenceValidUntil: '2030-06-30' as string | null,
  contactName: 'Li Si',
  contactMobile: '13800138000',
  contactEmail: 'li.si@acme.example',
};

/** The least a qualification needs (indefinite licence, no email, no documents), for tests of what needs one (Q2). */
export const minimalQualificationInput = {
  companyName: 'Test Co',
  creditCode: REAL_CREDIT_CODE,
  legalRepresentative: 'Zhang San',
  licenceIndefinite: true,
  contactName: 'Li Si',
  contactMobile: '13800138000',
};
