import { graphql, type ResultOf, type VariablesOf } from './tada';

export const ApplicationFields = graphql(`
  fragment ApplicationFields on NumberApplication {
    id ticketNo appliedAt updatedAt status numberStatus statusReason reviewReason reviewedAt
    purpose callType type tier quantity province city instanceId
    contactName contactMobile contactEmail paidAt completedAt closedAt
    scenarios { scenario script }
    qualification { id kind companyName }
    tenant { id name }
    materialsStatus materialsDueAt materialsSubmittedAt materialsReviewReason
    materialsHandler { name mobile email }
    materials { document { id documentType fileName sizeBytes downloadUrl } }
    numbers { id e164 status termEnd }
    order { id orderNo status total expiresAt }
    emails { id to subject sentAt createdAt }
  }
`);

export const NumberApplicationsQuery = graphql(
  `
    query NumberApplications($status: ApplicationStatus, $numberStatus: ApplicationNumberStatus, $from: DateTime, $to: DateTime, $first: Int) {
      numberApplications(status: $status, numberStatus: $numberStatus, from: $from, to: $to, first: $first) {
        edges { node { ...ApplicationFields } }
      }
    }
  `,
  [ApplicationFields],
);

export const ApplicationStatusSubscription = graphql(
  `
    subscription ApplicationStatusChanged($after: String) {
      applicationStatusChanged(after: $after) {
        cursor ticketNo status previousStatus numberStatus previousNumberStatus materialsStatus reason occurredAt
        application { ...ApplicationFields }
      }
    }
  `,
  [ApplicationFields],
);

export const ApplyForNumbersMutation = graphql(
  `
    mutation ApplyForNumbers($input: NumberApplicationInput!) {
      applyForNumbers(input: $input) { ...ApplicationFields }
    }
  `,
  [ApplicationFields],
);

export const ReviewApplicationMutation = graphql(
  `
    mutation ReviewNumberApplication($id: ID!, $decision: ReviewDecision!, $reason: String) {
      reviewNumberApplication(id: $id, decision: $decision, reason: $reason) { ...ApplicationFields }
    }
  `,
  [ApplicationFields],
);

export const SubmitMaterialsMutation = graphql(
  `
    mutation SubmitHandlerMaterials($applicationId: ID!, $handlerName: String!, $documents: [HandlerMaterialUpload!]!) {
      submitHandlerMaterials(applicationId: $applicationId, handlerName: $handlerName, documents: $documents) { ...ApplicationFields }
    }
  `,
  [ApplicationFields],
);

export const ReviewMaterialsMutation = graphql(
  `
    mutation ReviewHandlerMaterials($applicationId: ID!, $decision: ReviewDecision!, $reason: String) {
      reviewHandlerMaterials(applicationId: $applicationId, decision: $decision, reason: $reason) { ...ApplicationFields }
    }
  `,
  [ApplicationFields],
);

export const RetryAllocationMutation = graphql(
  `
    mutation RetryNumberAllocation($id: ID!) {
      retryNumberAllocation(id: $id) { ...ApplicationFields }
    }
  `,
  [ApplicationFields],
);

export type Application = ResultOf<typeof ApplicationFields>;
export type ApplicationStatus = Application['status'];
export type ApplicationNumberStatus = Application['numberStatus'];
export type ApplicationPurpose = Application['purpose'];
export type MaterialsStatus = Application['materialsStatus'];
export type ApplicationInput = VariablesOf<typeof ApplyForNumbersMutation>['input'];

export const APPLICATION_STATUSES: ApplicationStatus[] = ['PENDING_REVIEW', 'APPROVED', 'PENDING_PAYMENT', 'COMPLETED', 'REJECTED', 'CLOSED'];
export const APPLICATION_NUMBER_STATUSES: ApplicationNumberStatus[] = [
  'PENDING_REVIEW',
  'APPROVED',
  'ALLOCATING',
  'DELIVERED',
  'TAKING_EFFECT',
  'ACTIVE',
  'REJECTED',
  'RELEASED',
];
export const PURPOSES: ApplicationPurpose[] = ['MARKETING', 'NON_MARKETING'];
