import type { AgentStatus, FlowDefinition, ServiceContext } from '@callplane/schema/core';
import {
  bindNumberToFlow,
  createAgent,
  createFlow,
  createInstance,
  createSkillGroup,
  provisionInstance,
  publishFlow,
  setAgentSkill,
  setAgentStatus,
} from '@callplane/schema/core';
import type { DemoWorld } from './demo.js';

export const DEMO_INSTANCE = { name: 'Demo Contact Center', accessSlug: 'demo-contact-center' } as const;
export const DEMO_FLOW = 'Main menu';

/** Agents of the demo instance: their skill levels per group (1 = strongest) and where their status is. */
const AGENTS: { name: string; agentNumber: string; skills: { Sales?: number; Support?: number }; status: AgentStatus; reason?: string }[] = [
  { name: 'Chen Jing', agentNumber: '1001', skills: { Sales: 1, Support: 3 }, status: 'READY' },
  { name: 'Wang Lei', agentNumber: '1002', skills: { Sales: 2 }, status: 'TALKING' },
  { name: 'Liu Yang', agentNumber: '1003', skills: { Support: 1 }, status: 'READY' },
  { name: 'Zhao Min', agentNumber: '1004', skills: { Support: 2, Sales: 5 }, status: 'BREAK', reason: 'Lunch' },
  { name: 'Sun Hui', agentNumber: '1005', skills: { Support: 4 }, status: 'OFFLINE' },
];

/** A menu: 1 → Sales, 2 → Support, nothing pressed → Support; a busy group ends in voicemail. */
const menuFlow = (sales: string, support: string): FlowDefinition => ({
  nodes: [
    { id: 'start', type: 'START', next: 'menu' },
    { id: 'menu', type: 'MENU', text: 'Welcome to Demo Telecom. For sales press 1, for support press 2.', options: [{ digit: '1', next: 'sales' }, { digit: '2', next: 'support' }], noInputNext: 'support' },
    { id: 'sales', type: 'TRANSFER', skillGroupId: sales, fallbackNext: 'voicemail' },
    { id: 'support', type: 'TRANSFER', skillGroupId: support, fallbackNext: 'voicemail' },
    { id: 'voicemail', type: 'VOICEMAIL', text: 'All our agents are busy. Please leave a message after the tone.' },
  ],
});

/**
 * I1–I3 demo: a RUNNING instance on the tenant's ACTIVE number (provisioned at once), agents in
 * two skill groups with levels and live statuses, and a published menu flow transferring to both
 * groups, answering that number. Skipped once the tenant has an instance, or has no free number.
 */
export async function demoInstance(ctx: ServiceContext, w: DemoWorld): Promise<string | null> {
  const any = await ctx.db.selectFrom('instances').select('id').where('tenant_id', '=', w.tenantId).executeTakeFirst();
  if (any) return null;
  const number = await ctx.db
    .selectFrom('numbers')
    .select('id')
    .where('tenant_id', '=', w.tenantId)
    .where('status', '=', 'ACTIVE')
    .where('instance_id', 'is', null)
    .where('type', '!=', 'TOLL_FREE_400')
    .orderBy('e164')
    .executeTakeFirst();
  if (!number) return null;
  const admin: ServiceContext = { ...ctx, actor: w.admin, settings: { ...ctx.settings, instanceProvisionSeconds: 0 } };
  const created = await createInstance(admin, { ...DEMO_INSTANCE, description: 'Sales and support hotline (demo)', numberId: number.id });
  const instance = await provisionInstance({ ...ctx, actor: null }, created.id);
  if (instance?.status !== 'RUNNING') return `instance: ${DEMO_INSTANCE.name} did not provision (${instance?.failure_reason ?? 'gone'})`;

  const groups = {
    Sales: await createSkillGroup(admin, instance.id, { name: 'Sales', mediaType: 'VOICE', description: 'New lines and upgrades' }),
    Support: await createSkillGroup(admin, instance.id, { name: 'Support', mediaType: 'VOICE', description: 'Faults and billing questions' }),
  };
  for (const a of AGENTS) {
    const email = `${a.name.toLowerCase().replace(' ', '.')}@demo-telecom.example`;
    const agent = await createAgent(admin, instance.id, { name: a.name, email, agentNumber: a.agentNumber, role: 'AGENT' });
    for (const [group, level] of Object.entries(a.skills)) await setAgentSkill(admin, agent.id, groups[group as keyof typeof groups].id, level);
    if (a.status !== 'OFFLINE') await setAgentStatus(admin, agent.id, a.status, a.reason ?? null);
  }
  const flow = await createFlow(admin, instance.id, { name: DEMO_FLOW, description: 'Sales on 1, support on 2', definition: menuFlow(groups.Sales.id, groups.Support.id) });
  await publishFlow(admin, flow.id);
  await bindNumberToFlow(admin, number.id, flow.id);
  return `instance: ${DEMO_INSTANCE.name} RUNNING, ${AGENTS.length} agents in skill groups Sales and Support, flow '${DEMO_FLOW}' published on its number`;
}
