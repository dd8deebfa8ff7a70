// What the simulator calls: the apps' active bindings (made through the API when an app has none)
// and the running instances with their numbers, skill groups and agents — all read with its keys.
import type { Gql } from './api.js';
import type { Random } from './random.js';

export interface SimBinding {
  id: string;
  mode: 'AXB' | 'AX' | 'AXE';
  a: string;
  b: string | null;
  x: string;
  extension: string | null;
  direction: 'BOTH' | 'A_TO_B' | 'B_TO_A';
}

export interface SimApp {
  id: string;
  name: string;
  gql: Gql;
  bindings: SimBinding[];
}

export interface SimInstance {
  id: string;
  name: string;
  number: string;
  /** Skill groups that have agents, with their members' ids. */
  groups: { id: string; name: string; agents: string[] }[];
  /** Agents READY when the run started: the ones the simulator puts calls through to. */
  ready: string[];
}

const BINDING = 'id a b x extension mode direction';
const APP_QUERY = `query SimulatorApp { privacyApps(first: 1) { edges { node { id name mode } } }
  privacyBindings(activeOnly: true, first: 100) { edges { node { ${BINDING} } } } }`;
const BIND = `mutation SimulatorBind($appId: ID!, $input: BindInput!) { bind(appId: $appId, input: $input) { ${BINDING} } }`;
// two reads, under the query-cost limit: the instances, then each one's groups and agents
const INSTANCES = `query SimulatorInstances { instances(status: RUNNING, first: 10) { edges { node { id name number { e164 } numbers { e164 } } } } }`;
const GROUPS = `query SimulatorGroups($id: ID!) { node(id: $id) { ... on Instance {
  skillGroups(first: 5) { edges { node { id name members(first: 10) { edges { node { agent { id status } } } } } } } } } }`;

/** An app's key's view: its app and active bindings; with none, it binds a few (expiring after 2 h like any default binding). */
export async function loadApp(gql: Gql, random: Random): Promise<SimApp | null> {
  const data = await gql('privacyApps', APP_QUERY);
  const app = data.privacyApps.edges[0]?.node;
  if (!app) return null;
  const bindings: SimBinding[] = data.privacyBindings.edges.map((e: { node: SimBinding }) => e.node);
  if (!bindings.length)
    for (let i = 0; i < 3; i++) {
      const input = app.mode === 'AXB' ? { a: random.mobile(), b: random.mobile(), userData: 'simulator' } : { a: random.mobile(), userData: 'simulator' };
      try {
        bindings.push((await gql('bind', BIND, { appId: app.id, input })).bind);
      } catch (err) {
        if (!bindings.length) throw err; // a small pool: the ones made are enough
        break;
      }
    }
  return { id: app.id, name: app.name, gql, bindings };
}

/** The tenant's running instances that can take a call: a number and a skill group with agents. */
export async function loadInstances(gql: Gql): Promise<SimInstance[]> {
  const data = await gql('instances', INSTANCES);
  const instances: SimInstance[] = [];
  for (const { node } of data.instances.edges) {
    const number = node.number?.e164 ?? node.numbers[0]?.e164;
    if (!number) continue;
    const groups = (await gql('instance groups', GROUPS, { id: node.id })).node.skillGroups.edges
      .map(({ node: g }: any) => ({ id: g.id, name: g.name, members: g.members.edges.map((m: any) => m.node.agent) }))
      .filter((g: { members: unknown[] }) => g.members.length);
    if (!groups.length) continue;
    const ready = new Set<string>();
    for (const g of groups) for (const a of g.members) if (a.status === 'READY') ready.add(a.id);
    instances.push({
      id: node.id,
      name: node.name,
      number,
      groups: groups.map((g: any) => ({ id: g.id, name: g.name, agents: g.members.map((a: { id: string }) => a.id) })),
      ready: [...ready],
    });
  }
  return instances;
}
