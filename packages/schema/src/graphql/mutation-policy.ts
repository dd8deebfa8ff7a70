import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { MUTATION_ROLES } from '../access/policy.js';
import { DomainError, ForbiddenError } from '../errors.js';
import type { GraphQLContext } from './context.js';

/**
 * Every mutation field asks MUTATION_ROLES first, whatever the operation looks like (aliases,
 * fragments, batches): no key, UNAUTHENTICATED; a role not listed, FORBIDDEN, before any input
 * is validated or any row read. A mutation without an entry stops the schema from building.
 */
export function enforceMutationPolicy(schema: GraphQLSchema): GraphQLSchema {
  for (const [name, field] of Object.entries(schema.getMutationType()?.getFields() ?? {})) {
    const roles = MUTATION_ROLES[name];
    if (!roles) throw new Error(`mutation ${name} has no entry in MUTATION_ROLES (access/policy.ts)`);
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (root, args, ctx: GraphQLContext, info) => {
      if (!ctx.actor) throw new DomainError('UNAUTHENTICATED', 'an API key is required (Authorization: Bearer <key>)');
      if (!roles.includes(ctx.actor.role)) throw new ForbiddenError(`${name} is for ${roles.join(' or ')} keys`);
      return resolve(root, args, ctx, info);
    };
  }
  return schema;
}
