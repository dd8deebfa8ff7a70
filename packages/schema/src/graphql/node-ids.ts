import SchemaBuilder, { BasePlugin, isThenable, type SchemaTypes } from '@pothos/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';

/**
 * Node ids without a promise per row. The relay plugin's `id` resolver is async, so every node of
 * a list completed through a promise of its own (an extra object completion and microtasks per
 * row). Where the node's id function answers at once, as `(row) => row.id` does, its global id is
 * encoded at once, with the relay plugin's own encoding; otherwise the relay resolver runs as before.
 */
export function syncNodeIds(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || !type.getInterfaces().some((i) => i.name === 'Node')) continue;
    const rawId = (type.extensions as { pothosOptions?: { id?: { resolve?: unknown } } }).pothosOptions?.id?.resolve;
    const field = type.getFields().id;
    // only the relay plugin's own resolver, unwrapped by any other plugin
    if (typeof rawId !== 'function' || !field?.resolve || field.resolve !== field.extensions?.pothosOriginalResolve) continue;
    const relayResolve = field.resolve;
    const typename = type.name;
    const resolve: GraphQLFieldResolver<unknown, unknown> = (parent, args, ctx, info) => {
      const id = rawId(parent, args, ctx, info);
      return id == null || isThenable(id) ? relayResolve(parent, args, ctx, info) : encodeGlobalID(typename, String(id));
    };
    field.resolve = resolve;
  }
  return schema;
}

export class SyncNodeIdsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override afterBuild(schema: GraphQLSchema): GraphQLSchema {
    // a custom encoding (relay.encodeGlobalID) is the relay plugin's to apply
    return (this.builder.options as { relay?: { encodeGlobalID?: unknown } }).relay?.encodeGlobalID ? schema : syncNodeIds(schema);
  }
}

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      syncNodeIds: SyncNodeIdsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('syncNodeIds', SyncNodeIdsPlugin);

/** The plugin's name, for the builder's plugin list. */
const SyncNodeIds = 'syncNodeIds' as const;
export default SyncNodeIds;
