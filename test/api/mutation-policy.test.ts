import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
} from 'graphql';
import { schema } from '@callplane/schema';
import { MUTATION_ROLES, policyOfType, READ_POLICY, type PolicyTable } from '@callplane/schema/testing';
import { startTestApp, type GqlResult, type TestApp } from '../support/app.js';
import { gid, ok } from '../support/graphql.js';
import { contentDigest, isolationWorld, rowsByTable, type IsolationWorld, type Row } from '../support/isolation-fixtures.js';

/**
 * Issue 8: every mutation of the schema, called by every role MUTATION_ROLES does not name (and
 * without a key), is refused before it reads its input: FORBIDDEN (UNAUTHENTICATED without a
 * key), no data, and not one row of any table changed. The calls are built from the schema.
 */

let t: TestApp;
let w: IsolationWorld;
let rows: Map<PolicyTable, Row[]>;

const mutations = Object.values(schema.getMutationType()!.getFields());
const nodeTypes = Object.values(schema.getTypeMap())
  .filter(isObjectType)
  .filter((o) => o.getInterfaces().some((i) => i.name === 'Node'));

const required = (a: GraphQLArgument | GraphQLInputField) => isNonNullType(a.type) && a.defaultValue === undefined;

/**
 * A global id of one of tenant A's rows, of the node type an argument names (`numberIds` → Number;
 * `id` → the result's type, or for a mutation that returns no node, the type its name ends with:
 * `deleteInstance` → Instance).
 */
function idFor(arg: string, mutation: GraphQLField<unknown, unknown>): string {
  const result = getNamedType(mutation.type).name;
  const subject = nodeTypes.some((n) => n.name === result) ? result : mutation.name.replace(/^[a-z]+/, '');
  const base = (arg === 'id' ? subject : arg.replace(/Ids?$/, '')).toLowerCase();
  const type = nodeTypes.find((n) => n.name.toLowerCase() === base) ?? nodeTypes.find((n) => n.name.toLowerCase().endsWith(base));
  if (!type) throw new Error(`${mutation.name}(${arg}:): no node type to take an id of`);
  const table = policyOfType(type.name)!;
  const column = (READ_POLICY[table] as { tenantColumn?: string }).tenantColumn ?? 'tenant_id';
  const row = rows.get(table)!.find((r) => r[column] === w.A.tenantId);
  if (!row) throw new Error(`no row of ${table} of tenant A for ${mutation.name}(${arg}:)`);
  return gid(type.name, String(row.id));
}

/** A valid-looking value of an input type: required fields only; files are listed in `uploads` and sent as multipart. */
function sample(type: GraphQLInputType, name: string, path: string, mutation: GraphQLField<unknown, unknown>, uploads: string[]): unknown {
  if (isNonNullType(type)) return sample(type.ofType, name, path, mutation, uploads);
  if (isListType(type)) return [sample(type.ofType, name, `${path}.0`, mutation, uploads)];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type))
    return Object.fromEntries(Object.values(type.getFields()).filter(required).map((f) => [f.name, sample(f.type, f.name, `${path}.${f.name}`, mutation, uploads)]));
  const scalars: Record<string, () => unknown> = {
    ID: () => idFor(name, mutation),
    String: () => 'x',
    Int: () => 1,
    Float: () => 1,
    Boolean: () => true,
    Decimal: () => '1',
    Date: () => '2030-01-01',
    DateTime: () => '2030-01-01T00:00:00Z',
    JSON: () => ({}),
    Upload: () => {
      uploads.push(path);
      return null;
    },
  };
  const make = scalars[type.name];
  if (!make) throw new Error(`no sample value for the scalar ${type.name} (${mutation.name})`);
  return make();
}

/** The mutation with its required arguments, and the files it sends. */
function call(m: GraphQLField<unknown, unknown>) {
  const args = m.args.filter(required);
  const uploads: string[] = [];
  const variables = Object.fromEntries(args.map((a) => [a.name, sample(a.type, a.name, `variables.${a.name}`, m, uploads)]));
  const params = args.length ? `(${args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')})` : '';
  const fields = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  const query = `mutation${params} { ${m.name}${fields}${isLeafType(getNamedType(m.type)) ? '' : ' { __typename }'} }`;
  return { query, variables, uploads };
}

/** Sends a call as JSON, or as a GraphQL multipart request when it has files; with the key, if any. */
async function send(c: ReturnType<typeof call>, key: string | null): Promise<GqlResult> {
  if (!c.uploads.length) return t.gql(c.query, c.variables, key);
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: c.query, variables: c.variables }));
  form.append('map', JSON.stringify(Object.fromEntries(c.uploads.map((p, i) => [String(i), [p]]))));
  c.uploads.forEach((_, i) => form.append(String(i), new Blob(['%PDF-1.7\n%%EOF\n'], { type: 'application/pdf' }), 'letter.pdf'));
  const res = await t.app.yoga.fetch('http://callplane.test/graphql', { method: 'POST', headers: key ? { authorization: `Bearer ${key}` } : {}, body: form });
  return (await res.json()) as GqlResult;
}

beforeAll(async () => {
  t = await startTestApp();
  w = await isolationWorld(t);
  // keys record their first use: use each once, so that a refused call changes no row
  for (const who of w.roles) ok(await t.gql(`{ viewer { role } }`, {}, who.key));
  rows = await rowsByTable(t.app.db);
});
afterAll(() => t?.stop());

describe('mutation policy (issue 8)', () => {
  it('every mutation has an entry in MUTATION_ROLES, and every entry is a mutation of the schema', () => {
    expect(mutations.filter((m) => !MUTATION_ROLES[m.name]).map((m) => m.name)).toEqual([]);
    expect(Object.keys(MUTATION_ROLES).filter((name) => !mutations.some((m) => m.name === name))).toEqual([]);
  });

  for (const m of mutations) {
    it(`${m.name}: refused to every role but ${MUTATION_ROLES[m.name]?.join(' and ')} (FORBIDDEN) and without a key (UNAUTHENTICATED); nothing written`, async () => {
      const c = call(m);
      const before = await contentDigest(t.app.db);
      const refused = [...w.roles.filter((r) => !MUTATION_ROLES[m.name]!.includes(r.role)), { label: 'no key', key: null }];
      for (const who of refused) {
        const r = await send(c, who.key);
        expect([r.errors?.[0]?.extensions?.code, r.data?.[m.name] ?? null], `${m.name} by ${who.label}: ${JSON.stringify(r.errors)}`).toEqual([
          who.key ? 'FORBIDDEN' : 'UNAUTHENTICATED',
          null,
        ]);
      }
      expect(await contentDigest(t.app.db), `${m.name}: no table changed`).toEqual(before);
    });
  }
});
