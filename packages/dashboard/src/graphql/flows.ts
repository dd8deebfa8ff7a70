import { graphql, type ResultOf } from './tada';

export const FlowFields = graphql(`
  fragment FlowFields on IvrFlow {
    id name description isDefault latestVersion publishedVersion publishedAt
    draft { version definition createdAt }
    numbers { id e164 nationalFormat type }
    instance { id name }
  }
`);

export const FlowQuery = graphql(
  `
    query Flow($id: ID!, $groups: Int) {
      node(id: $id) {
        ... on IvrFlow { ...FlowFields instance { id skillGroups(first: $groups) { edges { node { id name } } } } }
      }
    }
  `,
  [FlowFields],
);

export const SaveFlowDefinitionMutation = graphql(
  `
    mutation SaveFlowDefinition($flowId: ID!, $definition: JSON!) {
      saveFlowDefinition(flowId: $flowId, definition: $definition) { ...FlowFields }
    }
  `,
  [FlowFields],
);

export const PublishFlowMutation = graphql(
  `
    mutation PublishFlow($flowId: ID!, $version: Int) {
      publishFlow(flowId: $flowId, version: $version) { ...FlowFields }
    }
  `,
  [FlowFields],
);

export type IvrFlow = ResultOf<typeof FlowFields>;
