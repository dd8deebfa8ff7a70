import { graphql, type ResultOf } from './tada';

export const InstanceFields = graphql(`
  fragment InstanceFields on Instance {
    id name accessSlug description status failureReason analysisEnabled createdAt runningAt updatedAt
    number { id e164 nationalFormat type }
  }
`);

export const InstancesQuery = graphql(
  `
    query Instances($first: Int, $status: InstanceStatus) {
      instances(first: $first, status: $status) { edges { node { ...InstanceFields } } }
    }
  `,
  [InstanceFields],
);

/** The detail page: the instance, its numbers (with the flow each is bound to), flows and skill groups. */
export const InstanceQuery = graphql(
  `
    query Instance($id: ID!, $first: Int) {
      instance(id: $id) {
        ...InstanceFields
        numbers { id e164 nationalFormat type status flow { id name } }
        flows(first: $first) {
          edges { node { id name description isDefault latestVersion publishedVersion publishedAt numbers { id } } }
        }
        skillGroups(first: $first) { edges { node { id name description mediaType isDefault } } }
      }
    }
  `,
  [InstanceFields],
);

export const InstanceStatusSubscription = graphql(
  `
    subscription InstanceStatusChanged($after: String) {
      instanceStatusChanged(after: $after) {
        cursor instanceId status
        instance { ...InstanceFields }
      }
    }
  `,
  [InstanceFields],
);

/** ACTIVE numbers of the tenant, to pick the new instance's number (one already in an instance cannot be picked). */
export const ActiveNumbersQuery = graphql(`
  query ActiveNumbers {
    myNumbers(status: ACTIVE, first: 100) { edges { node { id e164 nationalFormat type instanceId } } }
  }
`);

export const CreateInstanceMutation = graphql(
  `
    mutation CreateInstance($input: CreateInstanceInput!) {
      createInstance(input: $input) { ...InstanceFields }
    }
  `,
  [InstanceFields],
);

export const UpdateInstanceMutation = graphql(
  `
    mutation UpdateInstance($id: ID!, $input: UpdateInstanceInput!) {
      updateInstance(id: $id, input: $input) { ...InstanceFields }
    }
  `,
  [InstanceFields],
);

export const DeleteInstanceMutation = graphql(`
  mutation DeleteInstance($id: ID!, $confirmName: String!) {
    deleteInstance(id: $id, confirmName: $confirmName)
  }
`);

export type InstanceSummary = ResultOf<typeof InstanceFields>;
export type InstanceStatus = InstanceSummary['status'];
export type InstanceDetail = NonNullable<ResultOf<typeof InstanceQuery>['instance']>;
export type InstanceFlow = InstanceDetail['flows']['edges'][number]['node'];
export type ActiveNumber = ResultOf<typeof ActiveNumbersQuery>['myNumbers']['edges'][number]['node'];

export const INSTANCE_STATUSES: InstanceStatus[] = ['CREATING', 'RUNNING', 'FAILED'];
