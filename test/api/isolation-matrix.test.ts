import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendSchema, getNamedType, isListType, isNonNullType, isObjectType, parse, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { decodeCursor, EVENT_TYPES, isAfter, schema } from '@callplane/schema';
import { FIELD_POLICY, mayReadField, policyOfType, READ_POLICY, type PolicyTable } from '@callplane/schema/testing';
import { collect, startTestApp, type TestApp } from '../support/app.js';
import { fromGlobal, gid, ok } from '../support/graphql.js';
import {
  connectionNode,
  eventsInOrder,
  isolationWorld,
  mayRead,
  rowsByTable,
  tailRound,
  uncoveredObjectTypes,
  writeEvent,
  type IsolationWorld,
  type MatrixRole,
  type Row,
} from '../support/isolation-fixtures.js';

// csv-parse is the server's dependency: resolve it from there rather than adding it to the tests.
const { parse: parseCsv } = createRequire(import.meta.resolve('@callplane/server'))('csv-parse/sync') as { parse: (text: string, opts: { bom: boolean }) => string[][] };

/**
 * The isolation matrix of issue 8: every node type × every role × every path (node, nodes, root
 * queries and lists, nested fields, subscriptions, exports, downloads), own and foreign rows,
 * checked against READ_POLICY. The types, root fields and subscriptions come from the schema, the
 * expected visibility from the policy's rule names (support/isolation-fixtures.ts `mayRead`), the
 * rows from the database: a new type, field or table is in the matrix without editing it.
 */

/** Event streams whose name is not their event type's. */
const STREAM_EVENT_TYPE: Record<string, string> = { callEvents: 'CALL_EVENT', smsReceived: 'SMS_RECEIVED' };

let t: TestApp;
let w: IsolationWorld;
let rows: Map<PolicyTable, Row[]>;
const byKey = new Map<string, Row>();

let cases = 0;
/** One case of the matrix: a distinct assertion, soft so that one run lists every leak. */
function check(label: string, actual: unknown, expected: unknown): void {
  cases++;
  expect.soft(actual, label).toEqual(expected);
}

const keyOf = (row: Row) => String(row.id ?? row.code);
const rowOf = (table: PolicyTable, key: string): Row => {
  const row = byKey.get(`${table}:${key}`);
  if (!row) throw new Error(`no stored row of ${table} for ${key}`);
  return row;
};
const owner = (table: PolicyTable, row: Row): string => {
  const tenant = row[(READ_POLICY[table] as { tenantColumn?: string }).tenantColumn ?? 'tenant_id'];
  return tenant === w.A.tenantId ? 'A' : tenant === w.B.tenantId ? 'B' : row.status === 'AVAILABLE' ? 'stock' : 'platform';
};
const roles = () => w.roles;

const nodeTypes = Object.values(schema.getTypeMap())
  .filter(isObjectType)
  .filter((o) => o.getInterfaces().some((i) => i.name === 'Node'));

/** The rows a node type is made of, with their global ids. */
function nodeRows(type: GraphQLObjectType): { type: string; table: PolicyTable; row: Row; id: string; label: string }[] {
  const table = policyOfType(type.name);
  if (!table) return [];
  return rows.get(table)!.map((row) => ({ type: type.name, table, row, id: gid(type.name, String(row.id)), label: `${type.name} of ${owner(table, row)} ${String(row.id).slice(0, 8)}` }));
}

/**
 * nodes(ids:) of any number of ids, in calls of at most 50 (the server takes 100 at most): the
 * nodes in the order of `ids`, and the errors of every call.
 */
async function nodesOf(ids: string[], selection: string, key: string): Promise<{ nodes: any[]; errors: unknown[] }> {
  const out = { nodes: [] as any[], errors: [] as unknown[] };
  for (let from = 0; from < ids.length; from += 50) {
    const r = await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { ${selection} } }`, { ids: ids.slice(from, from + 50) }, key);
    out.nodes.push(...(r.data?.nodes ?? ids.slice(from, from + 50).map(() => undefined)));
    out.errors.push(...(r.errors ?? []));
  }
  return out;
}

const requiredArgs = (f: GraphQLField<unknown, unknown>) => f.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);

/** Whether `who` may see this object of a response: its row's policy, or its parent's for parts of a row. */
function visibleObject(who: MatrixRole, obj: Record<string, any>): boolean {
  const table = policyOfType(obj.__typename);
  const key = obj.id ? fromGlobal(obj.id) : obj.code;
  return !table || !key ? true : mayRead(who, table, rowOf(table, key));
}

/**
 * A selection of a type's nested objects down to `depth`, from the schema: `__typename` and the
 * key of each object, the FIELD_POLICY fields, connections through `edges { node }`.
 */
function selection(type: GraphQLObjectType, depth: number): string {
  const fields = type.getFields();
  const parts = ['__typename', ...(fields.id ? ['id'] : fields.code ? ['code'] : [])];
  for (const f of Object.values(fields)) {
    if (FIELD_POLICY[`${type.name}.${f.name}`]) parts.push(f.name);
    const inner = getNamedType(f.type);
    if (depth === 0 || !isObjectType(inner) || requiredArgs(f).length) continue;
    const node = connectionNode(inner);
    parts.push(node ? `${f.name} { edges { node { ${selection(node, depth - 1)} } } }` : `${f.name} { ${selection(inner, depth - 1)} }`);
  }
  return parts.join(' ');
}

const itemKey = (v: any): string | null => (v?.node ? itemKey(v.node) : (v?.id ?? v?.code ?? null));

/**
 * What `who` gets for a nested value is what the OPERATOR gets (who sees every row), less what
 * READ_POLICY hides from `who`: hidden objects null, hidden list items left out, FIELD_POLICY
 * fields null where the role may not read them. Each object and list is one case.
 */
function compareTree(who: MatrixRole, op: any, got: any, path: string): void {
  if (op === null || op === undefined || typeof op !== 'object') return;
  if (Array.isArray(op)) {
    const visible = op.filter((el) => visibleObject(who, el?.node ?? el));
    check(`${who.label}: ${path} lists exactly the visible items`, (got ?? []).map(itemKey), visible.map(itemKey));
    visible.forEach((el, i) => compareTree(who, el?.node ?? el, got?.[i]?.node ?? got?.[i], `${path}[${i}]`));
    return;
  }
  if (op.edges) return compareTree(who, op.edges, got?.edges, `${path}.edges`);
  const visible = visibleObject(who, op);
  if (op.id || op.code) check(`${who.label}: ${path} (${op.__typename}) ${visible ? 'visible' : 'hidden'}`, itemKey(got), visible ? itemKey(op) : null);
  if (!visible || !got) return;
  for (const [field, value] of Object.entries(op)) {
    if (FIELD_POLICY[`${op.__typename}.${field}`])
      check(`${who.label}: ${path}.${field} per FIELD_POLICY`, got[field], mayReadField(`${op.__typename}.${field}`, who.role) ? value : null);
    else compareTree(who, value, got[field], `${path}.${field}`);
  }
}

/** What a root list shows beyond READ_POLICY: its own filter, and values for its required arguments. */
const LIST_SCOPE: Record<string, { args?: string; rows?: (row: Row, who: MatrixRole) => boolean }> = {
  myNumbers: { rows: (n, who) => who.role === 'OPERATOR' || n.tenant_id !== null },
  availableNumbers: { args: 'type: LOCAL', rows: (n) => n.status === 'AVAILABLE' && n.type === 'LOCAL' },
  liveCalls: { rows: (c) => c.state !== 'ENDED' },
};

/** The events written last, in this order: each role waits for the last one it may see. */
let sentinels: { tenantId: string | null; appId: string | null; subjectId: string }[] = [];

beforeAll(async () => {
  t = await startTestApp();
  w = await isolationWorld(t);
  for (const tenant of [w.A, w.B, w.A, w.B]) await tailRound(t, w, tenant);
  // every unsubscribe check has run: the rows stay as they are from here on
  await t.afterJobs(
    async () => ok(await t.gql(`{ unsubscribeBatches(first: 100) { edges { node { status } } } }`)).unsubscribeBatches.edges,
    (edges: any[]) => edges.every((e) => e.node.status !== 'CHECKING'),
    'unsubscribe',
  );
  const { A, B, apps } = w;
  // events of a tenant, of its apps, of another tenant's app and of none, then the sentinels
  for (const [tenantId, appId, name] of [
    [A.tenantId, null, 'A'],
    [A.tenantId, apps.app1, 'A app 1'],
    [A.tenantId, apps.app2, 'A app 2'],
    [B.tenantId, null, 'B'],
    [B.tenantId, apps.app3, 'B app 3'],
    [B.tenantId, apps.app1, 'B with the id of app 1'],
    [null, null, 'platform'],
    [null, apps.app1, 'platform with the id of app 1'],
  ] as const)
    await writeEvent(t, { tenantId, appId, subjectId: `probe: ${name}` });
  sentinels = [
    { tenantId: A.tenantId, appId: apps.app1, subjectId: 'sentinel: A app 1' },
    { tenantId: A.tenantId, appId: apps.app2, subjectId: 'sentinel: A app 2' },
    { tenantId: B.tenantId, appId: apps.app3, subjectId: 'sentinel: B app 3' },
    { tenantId: A.tenantId, appId: null, subjectId: 'sentinel: A' },
    { tenantId: B.tenantId, appId: null, subjectId: 'sentinel: B' },
    { tenantId: null, appId: null, subjectId: 'sentinel: platform' },
  ];
  for (const s of sentinels) await writeEvent(t, s);
  // keys record their first use: use each once, so that no read below changes a row
  for (const who of w.roles) ok(await t.gql(`{ viewer { role } }`, {}, who.key));
  rows = await rowsByTable(t.app.db);
  for (const [table, list] of rows) for (const row of list) if (row.id ?? row.code) byKey.set(`${table}:${keyOf(row)}`, row);
});
afterAll(() => t?.stop());

describe('isolation matrix: every type has a policy', () => {
  it('every GraphQL object type is a root type, Relay plumbing, in a READ_POLICY entry or a VALUE_TYPE', () => {
    expect(uncoveredObjectTypes(schema)).toEqual([]);
  });

  it('a new type without a policy fails the check: a throw-away Gadget is reported', () => {
    const extended = extendSchema(schema, parse('type Gadget { id: ID! } extend type Query { gadget: Gadget }'));
    expect(uncoveredObjectTypes(extended)).toEqual(['Gadget']);
  });

  it('every type READ_POLICY names is in the schema, and every node type has a policy', () => {
    const named = Object.values(READ_POLICY).flatMap((p) => p.types as readonly string[]);
    expect(named.filter((n) => !schema.getType(n))).toEqual([]);
    expect(nodeTypes.filter((n) => !policyOfType(n.name)).map((n) => n.name)).toEqual([]);
  });

  it('the fixtures hold rows of every node type for both tenants, and a number in stock', () => {
    for (const type of nodeTypes) {
      const owners = new Set(nodeRows(type).map((r) => owner(r.table, r.row)));
      expect([type.name, owners.has('A'), owners.has('B')]).toEqual([type.name, true, true]);
    }
    expect(nodeRows(schema.getType('Number') as GraphQLObjectType).some((r) => owner(r.table, r.row) === 'stock')).toBe(true);
  });
});

describe('isolation matrix: by id', () => {
  it('node(id:), nodes(ids:) and the root field by id of every row: the row when the policy lets the role read it, else null, never an error', async () => {
    const items = nodeTypes.flatMap(nodeRows);
    const queryFields = Object.values(schema.getQueryType()!.getFields());
    // root fields that take one id and answer one object of a node type: qualification(id:), order(id:) …
    const byIdFields = (type: string) =>
      queryFields.filter((f) => f.args.length === 1 && f.args[0]!.name === 'id' && !isNonNullType(f.type) && getNamedType(f.type).name === type);
    const calls = items.flatMap((item, i) => [
      { text: `n${i}: node(id: "${item.id}") { id }`, alias: `n${i}`, item, path: 'node(id:)' },
      ...byIdFields(item.type).map((f) => ({ text: `r${i}: ${f.name}(id: "${item.id}") { id }`, alias: `r${i}`, item, path: `${f.name}(id:)` })),
    ]);
    for (const who of roles()) {
      const { nodes: all, errors } = await nodesOf(items.map((i) => i.id), 'id', who.key);
      check(`${who.label}: nodes(ids:) without errors`, errors, []);
      items.forEach((item, i) => check(`${who.label}: nodes(ids:) [${item.label}]`, all[i]?.id ?? null, mayRead(who, item.table, item.row) ? item.id : null));
      for (let from = 0; from < calls.length; from += 20) {
        const chunk = calls.slice(from, from + 20);
        const r = await t.gql(`{ ${chunk.map((c) => c.text).join(' ')} }`, {}, who.key);
        check(`${who.label}: no error for ids ${from}…`, r.errors, undefined);
        for (const c of chunk) check(`${who.label}: ${c.path} [${c.item.label}]`, r.data?.[c.alias]?.id ?? null, mayRead(who, c.item.table, c.item.row) ? c.item.id : null);
      }
    }
  });

  it('FIELD_POLICY: a restricted field is its value for the roles it names and null for the others', async () => {
    for (const [typeField, allowed] of Object.entries(FIELD_POLICY)) {
      const [type, field] = typeField.split('.') as [string, string];
      const column = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      const items = nodeRows(schema.getType(type) as GraphQLObjectType);
      for (const who of roles()) {
        const { nodes: got, errors } = await nodesOf(items.map((i) => i.id), `id ... on ${type} { ${field} }`, who.key);
        expect(errors).toEqual([]);
        items.forEach((item, i) => {
          if (!mayRead(who, item.table, item.row)) return;
          check(`${who.label}: ${typeField} of ${item.label}`, got[i]?.[field], allowed.includes(who.role) ? item.row[column] : null);
        });
      }
    }
  });
});

describe('isolation matrix: root lists and nested fields', () => {
  it('every root list holds exactly the rows the policy lets the role read', async () => {
    const lists = Object.values(schema.getQueryType()!.getFields()).flatMap((f) => {
      const named = getNamedType(f.type);
      if (!isObjectType(named)) return [];
      const item = connectionNode(named) ?? (isListType(isNonNullType(f.type) ? f.type.ofType : f.type) ? named : undefined);
      const table = item && policyOfType(item.name);
      const key = item?.getFields().id ? 'id' : item?.getFields().code ? 'code' : undefined;
      if (!item || !table || !key) return [];
      const scope = LIST_SCOPE[f.name] ?? {};
      expect(requiredArgs(f).filter((a) => !scope.args?.includes(`${a.name}:`)).map((a) => `${f.name}(${a.name}:)`), 'give LIST_SCOPE the arguments').toEqual([]);
      const args = [...(connectionNode(named) ? ['first: 100'] : []), ...(scope.args ? [scope.args] : [])];
      const text = `${f.name}${args.length ? `(${args.join(', ')})` : ''}`;
      return [{ name: f.name, table, key, scope, text: connectionNode(named) ? `${text} { edges { node { ${key} } } }` : `${text} { ${key} }` }];
    });
    expect(lists.map((l) => l.name)).toEqual(expect.arrayContaining(['qualifications', 'myNumbers', 'orders', 'numberApplications', 'unsubscribeBatches', 'outboxEmails', 'apiKeys', 'tenants', 'handlers', 'tariffs']));
    for (const who of roles()) {
      // a few lists per request: all of them at first: 100 would pass the query-cost limit
      const data: Record<string, any> = {};
      for (let from = 0; from < lists.length; from += 6) Object.assign(data, ok(await t.gql(`{ ${lists.slice(from, from + 6).map((l) => l.text).join(' ')} }`, {}, who.key)));
      for (const l of lists) {
        const value = data[l.name];
        const listed = new Set<string>((value.edges ? value.edges.map((e: any) => e.node[l.key]) : value.map((n: any) => n[l.key])).map((k: string) => (l.key === 'id' ? fromGlobal(k) : k)));
        const universe = rows.get(l.table)!;
        for (const row of universe) {
          const expected = mayRead(who, l.table, row) && (l.scope.rows?.(row, who) ?? true);
          check(`${who.label}: ${l.name} ${expected ? 'lists' : 'leaves out'} ${l.table} of ${owner(l.table, row)} ${keyOf(row).slice(0, 8)}`, listed.has(keyOf(row)), expected);
        }
        check(`${who.label}: ${l.name} lists no row beyond the stored ones`, [...listed].filter((k) => !byKey.has(`${l.table}:${k}`)), []);
      }
    }
  });

  it('numberRegionsWithStock counts the stock the role may read; balance and its ledger only of a visible tenant', async () => {
    const stock = rows.get('numbers')!.filter((n) => n.status === 'AVAILABLE');
    for (const who of roles()) {
      const regions = ok(await t.gql(`{ numberRegionsWithStock { province city count } }`, {}, who.key)).numberRegionsWithStock;
      const counts = new Map<string, number>();
      for (const n of stock.filter((n) => mayRead(who, 'numbers', n))) counts.set(`${n.province} ${n.city}`, (counts.get(`${n.province} ${n.city}`) ?? 0) + 1);
      check(`${who.label}: numberRegionsWithStock`, Object.fromEntries(regions.map((r: any) => [`${r.province} ${r.city}`, r.count])), Object.fromEntries(counts));
      for (const [tag, tenantId] of [['A', w.A.tenantId], ['B', w.B.tenantId]] as const) {
        const r = await t.gql(`query($t: ID!) { balance(tenantId: $t) { tenant { id } ledger(first: 100) { edges { node { id } } } } }`, { t: gid('Tenant', tenantId) }, who.key);
        const visible = mayRead(who, 'balances', { tenant_id: tenantId });
        check(`${who.label}: balance of ${tag}`, [r.data?.balance?.tenant.id ?? null, r.errors?.[0]?.extensions?.code ?? null], visible ? [gid('Tenant', tenantId), null] : [null, 'NOT_FOUND']);
        if (!visible) continue;
        const ledger = new Set(r.data!.balance.ledger.edges.map((e: any) => fromGlobal(e.node.id)));
        for (const entry of rows.get('ledger_entries')!)
          check(`${who.label}: balance of ${tag} ledger has ${owner('ledger_entries', entry)} entry ${keyOf(entry).slice(0, 8)}`, ledger.has(keyOf(entry)), entry.tenant_id === tenantId && mayRead(who, 'ledger_entries', entry));
      }
      check(`${who.label}: viewer is the key`, ok(await t.gql(`{ viewer { role tenantId } }`, {}, who.key)).viewer, { role: who.role, tenantId: who.tenantId });
    }
  });

  it('nested fields of every node (from the schema, two levels deep) never show a row the role may not read', async () => {
    const operator = roles().find((r) => r.role === 'OPERATOR')!;
    for (const type of nodeTypes) {
      const items = nodeRows(type);
      const fields = `__typename ... on ${type.name} { ${selection(type, 2)} }`;
      const oracle = await nodesOf(items.map((i) => i.id), fields, operator.key);
      expect(oracle.errors).toEqual([]);
      for (const who of roles()) {
        if (who === operator) continue;
        const r = await nodesOf(items.map((i) => i.id), fields, who.key);
        check(`${who.label}: nested fields of ${type.name} without errors`, r.errors, []);
        items.forEach((item, i) => {
          if (r.nodes[i]) compareTree(who, oracle.nodes[i], r.nodes[i], item.label);
        });
      }
    }
  });
});

const EVENT = `subscription($after: String) { events(after: $after) { cursor type subjectId tenantId } }`;

describe('isolation matrix: subscriptions', () => {
  it('events (after: eventCursor) delivers to each role exactly the events the policy lets it read', async () => {
    const stored = (await eventsInOrder(t.app.db)).filter((e) => isAfter(decodeCursor(e.cursor), decodeCursor(w.eventCursor)));
    for (const who of roles()) {
      const sentinel = [...sentinels].reverse().find((s) => mayRead(who, 'events', { tenant_id: s.tenantId, app_id: s.appId }));
      // a key that may read no event at all has no later event to wait for: its other paths show it
      if (!sentinel) continue;
      const last = stored.findIndex((e) => e.subject_id === sentinel.subjectId);
      const feed = collect<any>(t.wsClient(who.key), EVENT, { after: w.eventCursor });
      await feed.waitFor(() => feed.items.some((i) => i.events.subjectId === sentinel.subjectId));
      feed.unsubscribe();
      const got = feed.items.map((i) => i.events.cursor);
      const upTo = got.indexOf(stored[last]!.cursor);
      const received = new Set(got.slice(0, upTo + 1));
      check(`${who.label}: events without errors`, feed.errors, []);
      for (const e of stored.slice(0, last + 1))
        check(`${who.label}: events ${mayRead(who, 'events', e) ? 'delivers' : 'withholds'} ${e.type} ${e.subject_id} of ${owner('events', e)}`, received.has(e.cursor), mayRead(who, 'events', e));
      check(`${who.label}: events in stream order`, got.slice(0, upTo + 1), stored.slice(0, last + 1).filter((e) => mayRead(who, 'events', e)).map((e) => e.cursor));
    }
  });

  it('every typed status subscription delivers exactly the changes the policy lets the role read, with subjects it may read', async () => {
    const stored = (await eventsInOrder(t.app.db)).filter((e) => isAfter(decodeCursor(e.cursor), decodeCursor(w.eventCursor)));
    // the event streams of one type: `after`, and no argument that names a subject (instanceMetricsChanged has its own case)
    const typed = Object.values(schema.getSubscriptionType()!.getFields()).filter(
      (f) => f.name !== 'events' && f.args.some((a) => a.name === 'after') && requiredArgs(f).length === 0,
    );
    expect(typed.length).toBeGreaterThanOrEqual(5);
    for (const f of typed) {
      // the stream's name is its event type (instanceStatusChanged: INSTANCE_STATUS_CHANGED), but for streams named in the plural
      const eventType = STREAM_EVENT_TYPE[f.name] ?? f.name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
      expect(EVENT_TYPES, `${f.name} carries ${eventType}`).toContain(eventType);
      const payload = getNamedType(f.type) as GraphQLObjectType;
      const subjects = Object.values(payload.getFields()).filter((p) => nodeTypes.includes(getNamedType(p.type) as GraphQLObjectType)).map((p) => p.name);
      const ofType = stored.filter((e) => e.type === eventType);
      expect(ofType.some((e) => e.tenant_id === w.A.tenantId) && ofType.some((e) => e.tenant_id === w.B.tenantId), `${eventType} events of both tenants`).toBe(true);
      for (const who of roles()) {
        // the last change the role may see; every change written before it has been delivered by then
        const last = ofType.map((e) => mayRead(who, 'events', e)).lastIndexOf(true);
        if (last < 0) continue;
        const feed = collect<any>(t.wsClient(who.key), `subscription($after: String) { ${f.name}(after: $after) { cursor ${subjects.map((s) => `${s} { __typename id }`).join(' ')} } }`, { after: w.eventCursor });
        await feed.waitFor(() => feed.items.some((i) => i[f.name].cursor === ofType[last]!.cursor));
        feed.unsubscribe();
        const got = feed.items.map((i) => i[f.name]);
        const upTo = got.findIndex((g) => g.cursor === ofType[last]!.cursor);
        const received = new Set(got.slice(0, upTo + 1).map((g) => g.cursor));
        check(`${who.label}: ${f.name} without errors`, feed.errors, []);
        for (const e of ofType.slice(0, last + 1))
          check(`${who.label}: ${f.name} ${mayRead(who, 'events', e) ? 'delivers' : 'withholds'} ${String(e.subject_id).slice(0, 8)} of ${owner('events', e)}`, received.has(e.cursor), mayRead(who, 'events', e));
        for (const g of got.slice(0, upTo + 1))
          for (const s of subjects) if (g[s]) check(`${who.label}: ${f.name}.${s} ${g[s].__typename} is one it may read`, visibleObject(who, g[s]), true);
      }
    }
  });
});

const METRICS = `subscription($id: ID!, $after: String) { instanceMetricsChanged(instanceId: $id, after: $after) {
  instance { __typename id } agentsOnline agentsAvailable skillGroups { skillGroup { __typename id } agentsOnline }
} }`;

describe('isolation matrix: subscriptions that name a subject', () => {
  it("I3: instanceMetricsChanged(instanceId:) of every tenant's instance yields that instance's metrics to a role that may read it, else ends with NOT_FOUND", async () => {
    const instances = rows.get('instances')!;
    expect(new Set(instances.map((i) => owner('instances', i)))).toEqual(new Set(['A', 'B']));
    const outcomes = { metrics: 0, notFound: 0 };
    for (const who of roles())
      for (const instance of instances) {
        const id = gid('Instance', String(instance.id));
        const label = `${who.label}: instanceMetricsChanged of ${owner('instances', instance)}'s instance`;
        const readable = mayRead(who, 'instances', instance);
        outcomes[readable ? 'metrics' : 'notFound']++;
        // from eventCursor: the admin agent's status change of the fixtures is replayed as a push
        const feed = collect<any>(t.wsClient(who.key), METRICS, { id, after: w.eventCursor });
        await feed.waitFor(() => feed.items.length > 0 || feed.errors.length > 0 || feed.completed);
        feed.unsubscribe();
        const codes = feed.errors.flat().map((e: any) => e?.extensions?.code ?? e?.message ?? String(e));
        if (readable) {
          check(`${label}: metrics without errors`, codes, []);
          const m = feed.items[0]?.instanceMetricsChanged;
          check(`${label}: the metrics are of that instance`, m?.instance?.id ?? null, id);
          check(`${label}: its admin agent is online`, (m?.agentsOnline ?? 0) >= 1, true);
          for (const g of m?.skillGroups ?? []) check(`${label}: skill group ${g.skillGroup.id} is one it may read`, visibleObject(who, g.skillGroup), true);
        } else {
          check(`${label}: NOT_FOUND and no metrics`, [codes, feed.items], [['NOT_FOUND'], []]);
        }
      }
    // both answers occur: own instances are read, the other tenant's (and a PARTNER's) are NOT_FOUND
    expect(outcomes.metrics > 0 && outcomes.notFound > 0, JSON.stringify(outcomes)).toBe(true);
  });
});

describe('isolation matrix: exports and downloads', () => {
  const get = (path: string, key: string) => fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

  it('the CSV exports hold exactly the rows the role may read (a PARTNER: its app’s CDRs, else the header alone)', async () => {
    const exports = [
      { path: '/exports/numbers.csv', table: 'numbers' as const, rows: LIST_SCOPE.myNumbers!.rows! },
      { path: '/exports/orders.csv', table: 'orders' as const, rows: () => true },
      { path: '/exports/cdrs.csv', table: 'cdrs' as const, rows: () => true },
    ];
    for (const who of roles())
      for (const x of exports) {
        const res = await get(x.path, who.key);
        const [header, ...records] = parseCsv(await res.text(), { bom: true });
        check(`${who.label}: ${x.path} is a CSV with its header`, [res.status, header?.[0]], [200, 'id']);
        const listed = new Set(records.map((r) => r[0]));
        for (const row of rows.get(x.table)!) {
          const expected = mayRead(who, x.table, row) && x.rows(row, who);
          check(`${who.label}: ${x.path} ${expected ? 'has' : 'lacks'} ${x.table} of ${owner(x.table, row)} ${keyOf(row).slice(0, 8)}`, listed.has(keyOf(row)), expected);
        }
      }
  });

  it('M2: a statement’s CSV downloads (200) for a role that may read the statement and is 404, like a missing one, for the others', async () => {
    for (const who of roles())
      for (const st of rows.get('statements')!) {
        const res = await get(`/exports/statements/${encodeURIComponent(gid('Statement', String(st.id)))}.csv`, who.key);
        await res.arrayBuffer();
        check(`${who.label}: /exports/statements/ of ${owner('statements', st)} ${keyOf(st).slice(0, 8)}`, res.status, mayRead(who, 'statements', st) ? 200 : 404);
      }
  });

  it('a document downloads (200) for a role that may read it and is 404, like a missing one, for the others', async () => {
    const missing = await get('/documents/00000000-0000-0000-0000-000000000000', t.operatorKey);
    check('a missing document is 404', missing.status, 404);
    for (const who of roles())
      for (const doc of rows.get('qualification_documents')!) {
        const res = await get(`/documents/${doc.id}`, who.key);
        await res.arrayBuffer();
        check(`${who.label}: /documents/ of ${owner('qualification_documents', doc)} ${keyOf(doc).slice(0, 8)}`, res.status, mayRead(who, 'qualification_documents', doc) ? 200 : 404);
      }
  });
});

describe('the leaks of issue 8, as DESIGN §1 rules them out', () => {
  const partners = () => w.roles.filter((r) => r.role === 'PARTNER');
  const one = (table: PolicyTable, tenantId: string) => String(rows.get(table)!.find((r) => r.tenant_id === tenantId)!.id);

  it('§1: a PARTNER reads no qualification through node(id:): null with no error, no companyName, creditCode or contactMobile', async () => {
    const id = gid('Qualification', one('qualifications', w.A.tenantId));
    for (const who of partners()) {
      const r = await t.gql(`query($id: ID!) { node(id: $id) { id ... on Qualification { companyName creditCode contactMobile } } qualification(id: $id) { id } }`, { id }, who.key);
      expect(r, who.label).toEqual({ data: { node: null, qualification: null } });
    }
  });

  it('§1: a PARTNER reads no handler through node(id:), so never a national ID number', async () => {
    const id = gid('Handler', one('handlers', w.A.tenantId));
    for (const who of partners()) {
      const r = await t.gql(`query($id: ID!) { node(id: $id) { id ... on Handler { name idNumber } } handlers { id } }`, { id }, who.key);
      expect(r, who.label).toEqual({ data: { node: null, handlers: [] } });
    }
  });

  it('§1: a SUPERVISOR reads no API key through node(id:), not even its own', async () => {
    const keys = rows.get('api_keys')!.filter((k) => k.tenant_id === w.A.tenantId);
    const r = await t.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } apiKeys { edges { node { id } } } }`, { ids: keys.map((k) => gid('ApiKey', String(k.id))) }, w.A.keys.supervisor);
    expect(r).toEqual({ data: { nodes: keys.map(() => null), apiKeys: { edges: [] } } });
  });

  it("§1: a PARTNER's events subscription carries its app's events, not its tenant's nor another app's", async () => {
    const after = await t.cursor();
    const feed = collect<any>(t.wsClient(w.roles.find((r) => r.appId === w.apps.app1)!.key), EVENT, { after });
    await writeEvent(t, { tenantId: w.A.tenantId, appId: null, subjectId: 'leak: tenant only' });
    await writeEvent(t, { tenantId: w.A.tenantId, appId: w.apps.app2, subjectId: 'leak: app 2' });
    await writeEvent(t, { tenantId: w.A.tenantId, appId: w.apps.app1, subjectId: 'leak: app 1' });
    await feed.waitFor(() => feed.items.some((i) => i.events.subjectId === 'leak: app 1'));
    feed.unsubscribe();
    expect(feed.items.map((i) => i.events.subjectId)).toEqual(['leak: app 1']);
  });
});

describe('isolation matrix: size', () => {
  it('counts its cases: well over 500', () => {
    console.log(`isolation matrix: ${cases} cases`);
    expect(cases).toBeGreaterThan(500);
  });
});
