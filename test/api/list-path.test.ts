import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isObjectType } from 'graphql';
import { schema } from '@callplane/schema';
import { startTestApp, type TestApp } from '../support/app.js';
import { fromGlobal, gid, ok } from '../support/graphql.js';
import { countQueries } from '../support/sql-count.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  for (let i = 0; i < 25; i++) ok(await t.gql(`mutation($n: String!) { createTenant(name: $n) { id } }`, { n: `List ${i}` }));
});
afterAll(() => t?.stop());

type Page = { edges: { cursor: string; node: { id: string; name: string } }[]; pageInfo: { startCursor: string; endCursor: string; hasNextPage: boolean; hasPreviousPage: boolean } };
const PAGE = `edges { cursor node { id name } } pageInfo { startCursor endCursor hasNextPage hasPreviousPage }`;
/** A page of tenants: `size` is `first: n` or `last: n`, from the cursor in `vars` (after or before). */
const page = async (size: string, vars: { after?: string; before?: string } = {}) =>
  ok(await t.gql<{ tenants: Page }>(`query($after: String, $before: String) { tenants(${size}, after: $after, before: $before) { ${PAGE} } }`, vars)).tenants;

describe('a list on the request path (issue 10): one query, ids and cursors without per-row waste', () => {
  it('tenants(first: 20) is one SQL statement over tenants, whatever the selection', async () => {
    const reads = await countQueries(/"tenants"/, () => t.gql(`{ tenants(first: 20) { edges { cursor node { id name createdAt } } pageInfo { endCursor } } }`));
    expect(reads).toBe(1);
  });

  it('every node id is the relay global id of its type and row, answered at once (no promise per row)', async () => {
    const { edges } = await page('first: 3');
    const rowId = fromGlobal(edges[0]!.node.id);
    expect(edges[0]!.node.id).toBe(gid('Tenant', rowId));
    const tenant = schema.getType('Tenant');
    if (!isObjectType(tenant)) throw new Error('Tenant is an object type');
    expect(tenant.getFields().id!.resolve!({ id: rowId }, {}, {}, {} as never)).toBe(edges[0]!.node.id);
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || !type.getInterfaces().some((i) => i.name === 'Node')) continue;
      const rowIdOf = (type.extensions as { pothosOptions?: { id?: { resolve?: (row: unknown) => unknown } } }).pothosOptions?.id?.resolve;
      const row = { id: '00000000-0000-0000-0000-000000000001', key: 'k' };
      expect(type.getFields().id!.resolve!(row, {}, {}, {} as never), type.name).toBe(gid(type.name, String(rowIdOf?.(row))));
    }
  });

  it('cursors: each edge names its row (created_at|id), pages walked forwards and backwards neither skip nor repeat', async () => {
    const all = (await page('first: 100')).edges;
    expect(all.length).toBeGreaterThanOrEqual(25);
    const [at, id] = Buffer.from(all[0]!.cursor, 'base64url').toString().split('|');
    expect(new Date(at!).toISOString()).toBe(at);
    expect(fromGlobal(all[0]!.node.id)).toBe(id);

    const forwards: string[] = [];
    let after: string | undefined;
    for (;;) {
      const p = await page('first: 7', { after });
      forwards.push(...p.edges.map((e) => e.node.id));
      expect(p.pageInfo.startCursor).toBe(p.edges[0]!.cursor);
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
      expect(p.pageInfo.hasPreviousPage).toBe(!!after);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(forwards).toEqual(all.map((e) => e.node.id));

    const backwards: string[] = [];
    let before: string | undefined;
    for (;;) {
      const p = await page('last: 7', { before });
      backwards.unshift(...p.edges.map((e) => e.node.id));
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(backwards).toEqual(all.map((e) => e.node.id));

    // past the end: no rows, and the page's cursors are the one it was asked from
    const empty = await page('first: 5', { after: all.at(-1)!.cursor });
    expect(empty.edges).toEqual([]);
    expect(empty.pageInfo).toMatchObject({ startCursor: all.at(-1)!.cursor, endCursor: all.at(-1)!.cursor, hasNextPage: false, hasPreviousPage: true });
  });
});
