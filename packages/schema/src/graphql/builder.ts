import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import ZodPlugin from '@pothos/plugin-zod';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { isObjectType, type GraphQLSchema } from 'graphql';
import type { ZodError } from 'zod';
import { DomainError, ValidationError } from '../errors.js';
import type { GraphQLContext } from './context.js';
import SyncNodeIdsPlugin from './node-ids.js';

/** The most ids one nodes() call takes. */
export const MAX_NODES = 100;

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    Date: { Input: string; Output: string };
    Decimal: { Input: string; Output: string };
    Upload: { Input: File; Output: never };
    JSON: { Input: unknown; Output: unknown };
  };
  /** Only "has a key": which rows and mutations a key may reach is access/policy.ts, in the data path. */
  AuthScopes: {
    authenticated: boolean;
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
}>({
  plugins: [RelayPlugin, ScopeAuthPlugin, DataloaderPlugin, SimpleObjectsPlugin, ZodPlugin, SyncNodeIdsPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // node/nodes read rows: only for a key, and nodes for a bounded list
    nodeQueryOptions: {
      authScopes: { authenticated: true },
      resolve: (_root, { id }, _ctx, info, resolveNode) => resolveNode(knownNodeId(id, info.schema, 'id')),
    },
    nodesQueryOptions: {
      authScopes: { authenticated: true },
      resolve: (_root, { ids }, _ctx, info, resolveNodes) => {
        if (ids.length > MAX_NODES) throw new ValidationError('ids', `at most ${MAX_NODES} ids per nodes() call`);
        return resolveNodes(ids.map((id) => knownNodeId(id, info.schema, 'ids')));
      },
    },
  },
  scopeAuth: {
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, ctx, _info, result) =>
      ctx.actor ? new DomainError('FORBIDDEN', result.message) : new DomainError('UNAUTHENTICATED', 'an API key is required (Authorization: Bearer <key>)'),
    authScopes: async (ctx) => ({ authenticated: !!ctx.actor }),
  },
  zod: { validationError: (err) => toValidationError(err as unknown as ZodError) },
});

/** A global id names a type of this API's, or it is a client's mistake (INVALID_ID), not a fault. */
function knownNodeId<T extends { typename: string }>(id: T, schema: GraphQLSchema, field: string): T {
  const type = schema.getType(id.typename);
  if (!isObjectType(type) || !type.getInterfaces().some((i) => i.name === 'Node'))
    throw new ValidationError(field, `${field}: '${id.typename}' is not a type of node of this API`, 'INVALID_ID');
  return id;
}

/** Input validated at the edge: the first issue names the field, e.g. `input.creditCode`. */
export function toValidationError(err: ZodError): ValidationError {
  const issue = err.issues[0];
  const field = issue?.path.map(String).join('.') || 'input';
  return new ValidationError(field, `${field}: ${issue?.message ?? 'invalid'}`);
}

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);
builder.scalarType('Date', {
  description: 'A calendar date, YYYY-MM-DD.',
  serialize: (v) => v,
  parseValue: (v) => {
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v)))
      throw new ValidationError('date', 'expected a date as YYYY-MM-DD');
    return v;
  },
});
builder.scalarType('Decimal', {
  description: 'An exact decimal amount in CNY, as a string (M1).',
  serialize: (v) => String(v),
  parseValue: (v) => {
    if (typeof v !== 'string' || !/^-?\d{1,15}(\.\d{1,3})?$/.test(v)) throw new ValidationError('amount', 'expected a decimal string like "12.50"');
    return v;
  },
});
builder.scalarType('Upload', {
  description: 'A file sent with the GraphQL multipart request spec.',
  serialize: () => {
    throw new Error('Upload is an input type');
  },
  parseValue: (v) => v as File,
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
