import { graphql, type ResultOf, type VariablesOf } from './tada';

export const QualificationFields = graphql(`
  fragment QualificationFields on Qualification {
    id kind status companyName creditCode legalRepresentative licenceValidUntil licenceIndefinite
    contactName contactMobile contactEmail reviewReason reviewedAt submittedAt updatedAt revision
    tenant { id name }
    handler { id name idNumber mobile email }
    documents { id documentType fileName contentType sizeBytes downloadUrl }
  }
`);

export const QualificationsQuery = graphql(
  `
    query Qualifications($status: QualificationStatus, $kind: QualificationKind, $first: Int) {
      qualifications(status: $status, kind: $kind, first: $first) {
        edges { node { ...QualificationFields } }
      }
    }
  `,
  [QualificationFields],
);

export const QualificationStatusSubscription = graphql(
  `
    subscription QualificationStatusChanged($after: String) {
      qualificationStatusChanged(after: $after) {
        cursor status previousStatus reason occurredAt
        qualification { ...QualificationFields }
      }
    }
  `,
  [QualificationFields],
);

export const ReviewQualificationMutation = graphql(
  `
    mutation ReviewQualification($id: ID!, $decision: ReviewDecision!, $reason: String) {
      reviewQualification(id: $id, decision: $decision, reason: $reason) { ...QualificationFields }
    }
  `,
  [QualificationFields],
);

export const SubmitQualificationMutation = graphql(
  `
    mutation SubmitQualification($input: QualificationInput!) {
      submitQualification(input: $input) { ...QualificationFields }
    }
  `,
  [QualificationFields],
);

export const QualificationQuery = graphql(
  `
    query Qualification($id: ID!) {
      qualification(id: $id) { ...QualificationFields }
    }
  `,
  [QualificationFields],
);

export const ResubmitQualificationMutation = graphql(
  `
    mutation ResubmitQualification($id: ID!, $input: QualificationInput!) {
      resubmitQualification(id: $id, input: $input) { ...QualificationFields }
    }
  `,
  [QualificationFields],
);

export const HandlersQuery = graphql(`
  query Handlers {
    handlers { id name idNumber mobile email }
  }
`);

export const SaveHandlerMutation = graphql(`
  mutation SaveHandler($name: String!, $idNumber: String!, $mobile: String!, $email: String!) {
    saveHandler(name: $name, idNumber: $idNumber, mobile: $mobile, email: $email) { id name idNumber mobile email }
  }
`);

export type Qualification = ResultOf<typeof QualificationFields>;
export type QualificationStatus = Qualification['status'];
export type QualificationKind = Qualification['kind'];
export type QualificationDocument = Qualification['documents'][number];
export type DocumentType = QualificationDocument['documentType'];
export type Handler = ResultOf<typeof HandlersQuery>['handlers'][number];
export type QualificationInput = VariablesOf<typeof SubmitQualificationMutation>['input'];

export const STATUSES: QualificationStatus[] = ['PENDING_REVIEW', 'APPROVED', 'REJECTED'];
export const KINDS: QualificationKind[] = ['STANDARD', 'TOLL_FREE_400'];
export const DOCUMENT_TYPES: DocumentType[] = [
  'AUTHORIZATION_LETTER',
  'BUSINESS_ACCEPTANCE_FORM',
  'SECURITY_SERVICE_AGREEMENT',
  'INFORMATION_SECURITY_COMMITMENT',
];
