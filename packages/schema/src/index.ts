// @callplane/schema: the model (core.ts) and its GraphQL schema.
export * from './core.js';
export type { GraphQLContext } from './graphql/context.js';
export { formatError } from './graphql/errors.js';
export { unstorableText } from './graphql/text-guard.js';
export { schema } from './graphql/schema.js';
