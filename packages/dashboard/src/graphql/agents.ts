import { graphql, type ResultOf } from './tada';

export const AgentFields = graphql(`
  fragment AgentFields on Agent {
    id name email agentNumber role status statusReason statusSince secondsInStatus
    user { id }
  }
`);

export const InstanceMetricsFields = graphql(`
  fragment InstanceMetricsFields on InstanceMetrics {
    agentsOnline agentsAvailable agentsOnContact agentsAfterContactWork contactsInQueue oldestContactAgeSeconds
    skillGroups {
      skillGroup { id name mediaType isDefault }
      agentsOnline agentsAvailable agentsOnContact agentsAfterContactWork contactsInQueue oldestContactAgeSeconds
    }
  }
`);

/** The agent board of one instance: its agents and the current counts. */
export const AgentBoardQuery = graphql(
  `
    query AgentBoard($id: ID!, $first: Int) {
      instance(id: $id) {
        id
        agents(first: $first) { edges { node { ...AgentFields } } }
        metrics { ...InstanceMetricsFields }
      }
    }
  `,
  [AgentFields, InstanceMetricsFields],
);

export const AgentStatusSubscription = graphql(
  `
    subscription AgentStatusChanged($after: String, $instanceId: ID) {
      agentStatusChanged(after: $after, instanceId: $instanceId) {
        cursor status
        agent { ...AgentFields }
      }
    }
  `,
  [AgentFields],
);

export const InstanceMetricsSubscription = graphql(
  `
    subscription InstanceMetricsChanged($instanceId: ID!, $after: String) {
      instanceMetricsChanged(instanceId: $instanceId, after: $after) { ...InstanceMetricsFields }
    }
  `,
  [InstanceMetricsFields],
);

export const SetAgentStatusMutation = graphql(
  `
    mutation SetAgentStatus($agentId: ID!, $status: AgentStatus!, $reason: String) {
      setAgentStatus(agentId: $agentId, status: $status, reason: $reason) { ...AgentFields }
    }
  `,
  [AgentFields],
);

export type Agent = ResultOf<typeof AgentFields>;
export type AgentStatus = Agent['status'];
export type InstanceMetrics = ResultOf<typeof InstanceMetricsFields>;
export type SkillGroupMetrics = InstanceMetrics['skillGroups'][number];
/** The six counts every tile shows, in the order shown. */
export type Counts = Omit<SkillGroupMetrics, 'skillGroup'>;

export const AGENT_STATUSES: AgentStatus[] = ['OFFLINE', 'READY', 'RINGING', 'TALKING', 'AFTER_CALL_WORK', 'BREAK'];
export const COUNT_FIELDS: (keyof Counts)[] = ['agentsOnline', 'agentsAvailable', 'agentsOnContact', 'agentsAfterContactWork', 'contactsInQueue', 'oldestContactAgeSeconds'];
