import type { ColumnType, Generated, Selectable } from 'kysely';

export const INSTANCE_STATUSES = ['CREATING', 'RUNNING', 'FAILED'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];
export const AGENT_ROLES = ['ADMIN', 'AGENT'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];
/** Amazon Connect's agent states, as the seed's workbench shows them. */
export const AGENT_STATUSES = ['OFFLINE', 'READY', 'RINGING', 'TALKING', 'AFTER_CALL_WORK', 'BREAK'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
export const MEDIA_TYPES = ['VOICE', 'CHAT', 'TASK'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

export interface InstancesTable {
  id: Generated<string>;
  tenant_id: string;
  /** I1: immutable, unique in the tenant. */
  name: string;
  /** I1: immutable, globally unique, lower-case letters, digits and hyphens. */
  access_slug: string;
  /** I1: the only editable field. */
  description: Generated<string>;
  /** I1: immutable; an ACTIVE number of the tenant, the number of no other instance; null once it went back to stock. */
  number_id: string | null;
  status: InstanceStatus;
  failure_reason: string | null;
  /** When the provisioning job of a CREATING instance is due. */
  provision_due_at: Date | null;
  /** I5: the conversation-analysis add-on. */
  analysis_enabled: Generated<boolean>;
  created_by: string | null;
  created_at: ColumnType<Date, Date, never>;
  running_at: Date | null;
  updated_at: Date;
}

export interface SkillGroupsTable {
  id: Generated<string>;
  tenant_id: string;
  instance_id: string;
  name: string;
  description: Generated<string>;
  media_type: MediaType;
  is_default: Generated<boolean>;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface AgentsTable {
  id: Generated<string>;
  tenant_id: string;
  instance_id: string;
  name: string;
  email: string;
  /** Unique in the instance. */
  agent_number: string;
  role: AgentRole;
  /** The user whose key may set this agent's status (at most one agent per user per instance). */
  user_id: string | null;
  status: Generated<AgentStatus>;
  /** Set exactly while on BREAK. */
  status_reason: string | null;
  status_since: Date;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface AgentSkillsTable {
  agent_id: string;
  skill_group_id: string;
  tenant_id: string;
  instance_id: string;
  /** 1–10, lower is stronger. */
  level: number;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface IvrFlowsTable {
  id: Generated<string>;
  tenant_id: string;
  instance_id: string;
  name: string;
  description: Generated<string>;
  is_default: Generated<boolean>;
  /** The newest saved version (the draft); 0 before the first save. */
  latest_version: Generated<number>;
  /** The version calls use; null until published. */
  published_version: number | null;
  published_at: Date | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

export interface IvrFlowVersionsTable {
  flow_id: string;
  version: number;
  tenant_id: string;
  definition: ColumnType<unknown, string, never>;
  created_by: string | null;
  created_at: ColumnType<Date, Date, never>;
}

/** I3: one row per bound number (the number is the key), so a number has at most one flow. */
export interface FlowNumbersTable {
  number_id: string;
  flow_id: string;
  tenant_id: string;
  instance_id: string;
  bound_at: Date;
}

export interface InstanceTables {
  instances: InstancesTable;
  skill_groups: SkillGroupsTable;
  agents: AgentsTable;
  agent_skills: AgentSkillsTable;
  ivr_flows: IvrFlowsTable;
  ivr_flow_versions: IvrFlowVersionsTable;
  flow_numbers: FlowNumbersTable;
}

export type Instance = Selectable<InstancesTable>;
export type SkillGroup = Selectable<SkillGroupsTable>;
export type Agent = Selectable<AgentsTable>;
export type AgentSkill = Selectable<AgentSkillsTable>;
export type IvrFlow = Selectable<IvrFlowsTable>;
export type IvrFlowVersion = Selectable<IvrFlowVersionsTable>;
export type FlowNumber = Selectable<FlowNumbersTable>;
