import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '@callplane/schema';
import { startTestApp, type TestApp } from '../support/app.js';
import { gid } from '../support/graphql.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.stop());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const HUGE = 'x'.repeat(100_000);

/** Values of every shape a client can get wrong, whatever the argument's type. */
const BAD_VALUES: unknown[] = [
  null,
  '',
  'x',
  '\u0000',
  'a\ud800b',
  HUGE,
  '😀'.repeat(300),
  -1,
  0,
  2.5,
  1e20,
  Number.MAX_SAFE_INTEGER,
  true,
  {},
  [],
  ['x'],
  { a: 1 },
  b64('Tenant:not-a-uuid'),
  b64('Nothing:00000000-0000-0000-0000-000000000000'),
  b64('Tenant:00000000-0000-0000-0000-000000000000'),
  b64('2020-01-01T00:00:00Z|not-a-uuid'),
  '99999999999999999999-1',
  '-1.5',
  '99999999999999999.999',
  '1e3',
  'Mars/Olympus_Mons',
  '9999-99-99',
];

/** A plausible value for an argument that is not under test, so the request reaches the one that is. */
function plausible(type: GraphQLInputType): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [plausible(inner.ofType)];
  if (isEnumType(inner)) return inner.getValues()[0]!.value;
  if (isInputObjectType(inner))
    return Object.fromEntries(Object.values(inner.getFields()).filter((f) => isNonNullType(f.type)).map((f) => [f.name, plausible(f.type)]));
  if (isScalarType(inner))
    return (
      { Int: 1, Float: 1, Boolean: true, ID: gid('Tenant', '00000000-0000-0000-0000-000000000000'), DateTime: '2030-01-01T00:00:00Z', Date: '2030-01-01', Decimal: '1.00' } as Record<string, unknown>
    )[inner.name] ?? 'x';
  return null;
}

/** A selection that asks for something of any return type. */
function selection(field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  return isScalarType(named) || isEnumType(named) ? '' : '{ __typename }';
}

function operation(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>, args: readonly GraphQLArgument[]) {
  const defs = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const call = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `${kind}${defs ? `(${defs})` : ''} { ${field.name}${call ? `(${call})` : ''} ${selection(field)} }`;
}

describe('fuzz: every argument of every field with wrong, huge, empty and malformed values', () => {
  const roots = [
    ['query', () => schema.getQueryType()!, 1000],
    ['mutation', () => schema.getMutationType()!, 1000],
  ] as const;
  // one test per root type, each with its own time budget: the schema grows with every module
  it.each(roots)('no answer to a %s is masked or a 5xx, and the server stays healthy', async (kind, rootOf, least) => {
    const counts = { requests: 0, errors: 0, data: 0 };
    const masked: string[] = [];
    const root = rootOf();
    {
      for (const field of Object.values(root.getFields())) {
        if (field.name === 'advanceClock') continue; // moves the test's clock: covered by its own tests
        for (const arg of field.args)
          for (const bad of BAD_VALUES) {
            const variables = Object.fromEntries(field.args.map((a) => [a.name, a === arg ? bad : plausible(a.type)]));
            const res = await t.app.yoga.fetch('http://callplane.test/graphql', {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${t.operatorKey}` },
              body: JSON.stringify({ query: operation(kind, field, field.args), variables }),
            });
            counts.requests++;
            const body = (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
            if (body.errors?.length) counts.errors++;
            else counts.data++;
            const fault = body.errors?.find((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR' || /Unexpected error/.test(e.message));
            if (res.status >= 500 || fault) masked.push(`${field.name}(${arg.name}: ${JSON.stringify(bad).slice(0, 40)}) → ${res.status} ${fault?.message ?? ''}`);
          }
      }
    }
    console.log(`fuzz (${kind}): ${counts.requests} requests, ${counts.errors} answered with errors, ${counts.data} with data, ${masked.length} masked`);
    expect(masked).toEqual([]);
    expect(counts.requests).toBeGreaterThanOrEqual(least);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  }, 240_000);
});
