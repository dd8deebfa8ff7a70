import { describe, expect, it } from 'vitest';
import { withAcmeAndBeta, type TenantFixture } from '../../../../../test/support/context.js';
import { failsWith } from '../../../../../test/support/errors.js';
import { readableEvents } from '../../../../../test/support/events.js';
import { sweepOverdue } from '../../jobs/sweep.js';
import { welcomeFlowDefinition } from './flows.definition.js';
import { activeNumber, runningInstance } from './instances.fixtures.js';
import { provisionInstance } from './instances.provision.js';
import { findInstance, instanceAnalysisEnabled, instancesQuery, numbersOfInstances } from './instances.queries.js';
import { createInstance, deleteInstance, setInstanceAnalysis, updateInstance, type CreateInstanceInput } from './instances.service.js';

const world = withAcmeAndBeta();
const as = (t: TenantFixture) => world.w.ctx(t.admin);
let n = 0;
const unique = () => `${Date.now() % 100000}-${++n}`;

/** A create input for a fresh number of the tenant, with a unique name and slug. */
async function input(t: TenantFixture, over: Partial<CreateInstanceInput> = {}): Promise<CreateInstanceInput> {
  const tag = unique();
  const number = await activeNumber(world.w, t.tenantId);
  return { name: `Support ${tag}`, accessSlug: `support-${tag}`, description: 'Hotline', numberId: number.id, ...over };
}

const eventsOf = async (instanceId: string, types: string[]): Promise<Record<string, unknown>[]> =>
  (await readableEvents(world.w.db, { types, subjectId: instanceId })).map((e) => ({ type: e.type, ...e.payload }));

const rowsOf = async (table: 'agents' | 'skill_groups' | 'ivr_flows' | 'flow_numbers' | 'agent_skills', instanceId: string) =>
  (world.w.db.selectFrom(table) as any).selectAll().where('instance_id', '=', instanceId).execute() as Promise<Record<string, unknown>[]>;

describe('I1: creating an instance', () => {
  it('I1: starts CREATING, provisioning due after settings.instanceProvisionSeconds, with an event', async () => {
    const { acme } = world;
    const i = await createInstance(as(acme), await input(acme, { name: '  Beijing hotline ', description: ' Main line ' }));
    expect(i).toMatchObject({ name: 'Beijing hotline', description: 'Main line', status: 'CREATING', running_at: null, analysis_enabled: false, created_by: acme.admin.userId });
    expect(i.provision_due_at!.getTime() - world.w.clock.now().getTime()).toBe(30_000);
    expect(await eventsOf(i.id, ['INSTANCE_STATUS_CHANGED'])).toEqual([
      expect.objectContaining({ type: 'INSTANCE_STATUS_CHANGED', instanceId: i.id, status: 'CREATING', previousStatus: null }),
    ]);
  });

  it('I1: CREATING → RUNNING only once the clock reaches the due time (the job early does nothing; the sweep finishes it)', async () => {
    const { acme } = world;
    const i = await createInstance(as(acme), await input(acme));
    world.w.clock.advance(29);
    expect((await provisionInstance(world.w.ctx(null), i.id))?.status).toBe('CREATING');
    await sweepOverdue(world.w.ctx(null));
    expect((await findInstance(as(acme), i.id))?.status).toBe('CREATING');
    world.w.clock.advance(1);
    await sweepOverdue(world.w.ctx(null));
    const running = await findInstance(as(acme), i.id);
    expect(running).toMatchObject({ status: 'RUNNING', running_at: world.w.clock.now(), provision_due_at: null });
    expect((await eventsOf(i.id, ['INSTANCE_STATUS_CHANGED'])).map((e) => [e.previousStatus, e.status])).toEqual([
      [null, 'CREATING'],
      ['CREATING', 'RUNNING'],
    ]);
  });

  it('I1: the access slug is URL-safe; each error says what is wrong and names input.accessSlug', async () => {
    const { acme } = world;
    const cases: [string, RegExp][] = [
      ['my support', /spaces/],
      ['My-Support', /capitals.*'my-support'/],
      ['support_desk', /may not contain '_'/],
      ['客服', /may not contain '客'/],
      ['-support', /start or end with a hyphen/],
      ['support-', /start or end with a hyphen/],
      ['sup--port', /two hyphens/],
      ['ab', /at least 3/],
      ['a'.repeat(64), /at most 63/],
      ['', /must not be empty/],
    ];
    for (const [slug, message] of cases) {
      const e = await failsWith(createInstance(as(acme), await input(acme, { accessSlug: slug })), 'INVALID_INPUT', 'input.accessSlug');
      expect(e.message, slug).toMatch(message);
    }
    expect((await createInstance(as(acme), await input(acme, { accessSlug: `ok-1-${unique()}` }))).status).toBe('CREATING');
  });

  it('I1: a 10 KB name or description is refused by its length limit, naming the field', async () => {
    const { acme } = world;
    await failsWith(createInstance(as(acme), await input(acme, { name: 'x'.repeat(10_240) })), 'INVALID_INPUT', 'input.name');
    await failsWith(createInstance(as(acme), await input(acme, { name: '   ' })), 'INVALID_INPUT', 'input.name');
    await failsWith(createInstance(as(acme), await input(acme, { description: 'x'.repeat(10_240) })), 'INVALID_INPUT', 'input.description');
  });

  it('I1: the name is unique in the tenant (another tenant may use it); the slug is unique everywhere', async () => {
    const { acme, beta } = world;
    const first = await createInstance(as(acme), await input(acme));
    const sameName = await failsWith(createInstance(as(acme), await input(acme, { name: first.name })), 'ALREADY_EXISTS', 'input.name');
    expect(sameName.message).toContain(first.name);
    expect((await createInstance(as(beta), await input(beta, { name: first.name }))).name).toBe(first.name);
    await failsWith(createInstance(as(beta), await input(beta, { accessSlug: first.access_slug })), 'ALREADY_EXISTS', 'input.accessSlug');
  });

  it('I1: the number must be an ACTIVE number of the tenant', async () => {
    const { acme, beta } = world;
    const betas = await activeNumber(world.w, beta.tenantId);
    await failsWith(createInstance(as(acme), await input(acme, { numberId: betas.id })), 'NOT_FOUND', 'input.numberId');
    await failsWith(createInstance(as(acme), await input(acme, { numberId: 'not-an-id' })), 'NOT_FOUND', 'input.numberId');
    const expired = await activeNumber(world.w, acme.tenantId);
    await world.w.db.updateTable('numbers').set({ status: 'EXPIRED' }).where('id', '=', expired.id).execute();
    const e = await failsWith(createInstance(as(acme), await input(acme, { numberId: expired.id })), 'NUMBER_NOT_ACTIVE', 'input.numberId');
    expect(e.message).toMatch(/is EXPIRED/);
    const stock = await activeNumber(world.w, acme.tenantId);
    await world.w.db.updateTable('numbers').set({ status: 'AVAILABLE', tenant_id: null }).where('id', '=', stock.id).execute();
    await failsWith(createInstance(as(acme), await input(acme, { numberId: stock.id })), 'NUMBER_NOT_ACTIVE', 'input.numberId');
  });

  it("I1: another instance's number, or a number bound to another instance's flow, is refused", async () => {
    const { acme } = world;
    const { instance, number } = await runningInstance(world.w, acme);
    const e = await failsWith(createInstance(as(acme), await input(acme, { numberId: number.id })), 'NUMBER_IN_USE', 'input.numberId');
    expect(e.message).toContain(instance.name);
    const creating = await createInstance(as(acme), await input(acme));
    await failsWith(createInstance(as(acme), await input(acme, { numberId: creating.number_id! })), 'NUMBER_IN_USE', 'input.numberId');
    const second = await activeNumber(world.w, acme.tenantId);
    const welcome = (await rowsOf('ivr_flows', instance.id))[0]!;
    await world.w.db
      .insertInto('flow_numbers')
      .values({ number_id: second.id, flow_id: welcome.id as string, tenant_id: acme.tenantId, instance_id: instance.id, bound_at: world.w.clock.now() })
      .execute();
    const bound = await failsWith(createInstance(as(acme), await input(acme, { numberId: second.id })), 'NUMBER_IN_USE', 'input.numberId');
    expect(bound.message).toMatch(/bound to flow 'Welcome'/);
  });

  it('I1: two creates racing for one number: one is CREATING, the other NUMBER_IN_USE (never a 500); likewise for one slug', async () => {
    const { acme } = world;
    const number = await activeNumber(world.w, acme.tenantId);
    const tries = await Promise.allSettled([0, 1, 2].map(async () => createInstance(as(acme), await input(acme, { numberId: number.id }))));
    expect(tries.filter((t) => t.status === 'fulfilled')).toHaveLength(1);
    for (const t of tries.filter((t): t is PromiseRejectedResult => t.status === 'rejected'))
      expect([t.reason.code, t.reason.field]).toEqual(['NUMBER_IN_USE', 'input.numberId']);
    const slug = `race-${unique()}`;
    const inputs = await Promise.all([input(acme, { accessSlug: slug }), input(acme, { accessSlug: slug })]);
    const slugs = await Promise.allSettled(inputs.map((i) => createInstance(as(acme), i)));
    expect(slugs.filter((t) => t.status === 'fulfilled')).toHaveLength(1);
    const lost = slugs.find((t): t is PromiseRejectedResult => t.status === 'rejected')!;
    expect([lost.reason.code, lost.reason.field]).toEqual(['ALREADY_EXISTS', 'input.accessSlug']);
  });

  it('I1: only a TENANT_ADMIN creates instances', async () => {
    const { acme } = world;
    await failsWith(createInstance(world.w.ctx(acme.supervisor), await input(acme)), 'FORBIDDEN');
    await failsWith(createInstance(world.w.ctx(), await input(acme)), 'FORBIDDEN');
  });

  it('I1: a number that is no longer usable when the job runs makes the instance FAILED with the reason', async () => {
    const { acme } = world;
    const i = await createInstance(as(acme), await input(acme));
    await world.w.db.updateTable('numbers').set({ status: 'EXPIRED' }).where('id', '=', i.number_id).execute();
    world.w.clock.advance(30);
    const failed = await provisionInstance(world.w.ctx(null), i.id);
    expect(failed).toMatchObject({ status: 'FAILED', running_at: null });
    expect(failed!.failure_reason).toMatch(/is EXPIRED/);
    expect(await rowsOf('agents', i.id)).toEqual([]);
    expect((await eventsOf(i.id, ['INSTANCE_STATUS_CHANGED'])).at(-1)).toMatchObject({ status: 'FAILED', previousStatus: 'CREATING', reason: failed!.failure_reason });
  });
});

describe('I2: what a new instance starts with', () => {
  it('I2: the creator is the ADMIN agent; a Default VOICE group with the admin at level 1; Welcome published and bound to the number', async () => {
    const { acme } = world;
    const { instance, number } = await runningInstance(world.w, acme);
    const user = await world.w.db.selectFrom('users').selectAll().where('id', '=', acme.admin.userId!).executeTakeFirstOrThrow();
    const [admin, ...otherAgents] = await rowsOf('agents', instance.id);
    expect(otherAgents).toEqual([]);
    expect(admin).toMatchObject({ role: 'ADMIN', agent_number: '1000', user_id: user.id, name: user.name, email: user.email, status: 'OFFLINE' });
    const [group, ...otherGroups] = await rowsOf('skill_groups', instance.id);
    expect(otherGroups).toEqual([]);
    expect(group).toMatchObject({ name: 'Default', media_type: 'VOICE', is_default: true });
    expect(await rowsOf('agent_skills', instance.id)).toEqual([expect.objectContaining({ agent_id: admin!.id, skill_group_id: group!.id, level: 1 })]);
    const [flow, ...otherFlows] = await rowsOf('ivr_flows', instance.id);
    expect(otherFlows).toEqual([]);
    expect(flow).toMatchObject({ name: 'Welcome', is_default: true, latest_version: 1, published_version: 1 });
    const version = await world.w.db.selectFrom('ivr_flow_versions').selectAll().where('flow_id', '=', flow!.id as string).executeTakeFirstOrThrow();
    expect(version.definition).toEqual(welcomeFlowDefinition(group!.id as string));
    expect(await rowsOf('flow_numbers', instance.id)).toEqual([expect.objectContaining({ number_id: number.id, flow_id: flow!.id })]);
    expect((await numbersOfInstances(as(acme), [instance.id])).map((x) => x.id)).toEqual([number.id]);
  });

  it('I6: an instance created with a 400 number gets it bound to Welcome, and it stays inbound-only', async () => {
    const { acme } = world;
    const { instance, number } = await runningInstance(world.w, acme, { numberType: 'TOLL_FREE_400' });
    const [binding] = await rowsOf('flow_numbers', instance.id);
    expect(binding).toMatchObject({ number_id: number.id });
    const stored = await world.w.db.selectFrom('numbers').selectAll().where('id', '=', number.id).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ type: 'TOLL_FREE_400', call_type: 'INBOUND_ONLY', instance_id: instance.id });
  });
});

describe('I1: only the description changes', () => {
  it('I1: name, slug or number given → IMMUTABLE_FIELD naming it, nothing changes; the description changes with an event', async () => {
    const { acme } = world;
    const { instance } = await runningInstance(world.w, acme);
    const other = await activeNumber(world.w, acme.tenantId);
    await failsWith(updateInstance(as(acme), instance.id, { description: 'x', name: 'Renamed' }), 'IMMUTABLE_FIELD', 'input.name');
    await failsWith(updateInstance(as(acme), instance.id, { description: 'x', accessSlug: 'renamed' }), 'IMMUTABLE_FIELD', 'input.accessSlug');
    await failsWith(updateInstance(as(acme), instance.id, { description: 'x', numberId: other.id }), 'IMMUTABLE_FIELD', 'input.numberId');
    expect(await findInstance(as(acme), instance.id)).toEqual(instance);
    const updated = await updateInstance(as(acme), instance.id, { description: 'Nights and weekends' });
    expect(updated).toMatchObject({ name: instance.name, access_slug: instance.access_slug, number_id: instance.number_id, description: 'Nights and weekends' });
    expect(await eventsOf(instance.id, ['INSTANCE_UPDATED'])).toEqual([expect.objectContaining({ instanceId: instance.id, description: 'Nights and weekends' })]);
    await failsWith(updateInstance(as(acme), instance.id, { description: 'x'.repeat(10_240) }), 'INVALID_INPUT', 'input.description');
  });
});

describe('I4: deleting an instance', () => {
  it('I4: refused unless the name is typed back exactly; nothing changes', async () => {
    const { acme } = world;
    const { instance } = await runningInstance(world.w, acme, { name: `Sales ${unique()}` });
    for (const wrong of [instance.name.toLowerCase(), `${instance.name} `, '', 'Sales'])
      await failsWith(deleteInstance(as(acme), instance.id, wrong), 'CONFIRMATION_MISMATCH', 'confirmName');
    expect(await findInstance(as(acme), instance.id)).toEqual(instance);
    expect(await rowsOf('agents', instance.id)).toHaveLength(1);
  });

  it('I4: the numbers go back to the tenant unbound, not released; agents, groups and flows are gone; an event says so', async () => {
    const { acme } = world;
    const { instance, number } = await runningInstance(world.w, acme);
    const bought = await activeNumber(world.w, acme.tenantId);
    await world.w.db.updateTable('numbers').set({ instance_id: instance.id }).where('id', '=', bought.id).execute();
    const flowIds = (await rowsOf('ivr_flows', instance.id)).map((f) => f.id as string);
    await deleteInstance(as(acme), instance.id, instance.name);
    expect(await findInstance(as(acme), instance.id)).toBeNull();
    const numbers = await world.w.db.selectFrom('numbers').selectAll().where('id', 'in', [number.id, bought.id]).execute();
    expect(numbers.map((x) => [x.status, x.tenant_id, x.instance_id])).toEqual([
      ['ACTIVE', acme.tenantId, null],
      ['ACTIVE', acme.tenantId, null],
    ]);
    for (const table of ['agents', 'skill_groups', 'ivr_flows', 'flow_numbers', 'agent_skills'] as const) expect(await rowsOf(table, instance.id), table).toEqual([]);
    expect(await world.w.db.selectFrom('ivr_flow_versions').selectAll().where('flow_id', 'in', flowIds).execute()).toEqual([]);
    const [deleted] = await eventsOf(instance.id, ['INSTANCE_DELETED']);
    expect(deleted).toMatchObject({ instanceId: instance.id, name: instance.name });
    expect((deleted!.numberIds as string[]).sort()).toEqual([number.id, bought.id].sort());
    // the number can start a new instance
    expect((await createInstance(as(acme), await input(acme, { numberId: number.id }))).status).toBe('CREATING');
  });

  it('I4: a CREATING instance may be deleted; its job then finds nothing and does nothing', async () => {
    const { acme } = world;
    const i = await createInstance(as(acme), await input(acme));
    await deleteInstance(as(acme), i.id, i.name);
    world.w.clock.advance(30);
    expect(await provisionInstance(world.w.ctx(null), i.id)).toBeNull();
    expect(await rowsOf('agents', i.id)).toEqual([]);
  });
});

describe('I5: the conversation-analysis add-on', () => {
  it('I5: switched on and off, each switch an event; the same value again is no switch; call records read the flag', async () => {
    const { acme } = world;
    const { instance } = await runningInstance(world.w, acme);
    expect(await instanceAnalysisEnabled(world.w.db, instance.id)).toBe(false);
    expect((await setInstanceAnalysis(as(acme), instance.id, true)).analysis_enabled).toBe(true);
    expect(await instanceAnalysisEnabled(world.w.db, instance.id)).toBe(true);
    await setInstanceAnalysis(as(acme), instance.id, true);
    expect((await setInstanceAnalysis(as(acme), instance.id, false)).analysis_enabled).toBe(false);
    expect(await instanceAnalysisEnabled(world.w.db, instance.id)).toBe(false);
    expect((await eventsOf(instance.id, ['INSTANCE_ANALYSIS_CHANGED'])).map((e) => e.enabled)).toEqual([true, false]);
    await failsWith(setInstanceAnalysis(world.w.ctx(acme.supervisor), instance.id, true), 'FORBIDDEN');
  });
});

describe('tenant isolation of instances', () => {
  it("I1: another tenant's instance is NOT_FOUND for every change and invisible in reads", async () => {
    const { acme, beta } = world;
    const { instance } = await runningInstance(world.w, acme);
    await failsWith(updateInstance(as(beta), instance.id, { description: 'x' }), 'NOT_FOUND', 'id');
    await failsWith(deleteInstance(as(beta), instance.id, instance.name), 'NOT_FOUND', 'id');
    await failsWith(setInstanceAnalysis(as(beta), instance.id, true), 'NOT_FOUND', 'id');
    expect(await findInstance(as(beta), instance.id)).toBeNull();
    expect(await numbersOfInstances(as(beta), [instance.id])).toEqual([]);
    const betaSees = await instancesQuery(as(beta)).execute();
    expect(betaSees.every((i) => i.tenant_id === beta.tenantId)).toBe(true);
    expect((await instancesQuery(world.w.ctx(acme.supervisor)).execute()).map((i) => i.id)).toContain(instance.id);
    expect(await instancesQuery(world.w.ctx(acme.partner)).execute()).toEqual([]);
  });
});
