import { initGraphQLTada } from 'gql.tada';
import type { introspection } from '../graphql-env';

/** Operations are typed against packages/schema/schema.graphql (see `pnpm gen`). */
export const graphql = initGraphQLTada<{
  introspection: introspection;
  disableMasking: true;
  scalars: { DateTime: string; Date: string; Decimal: string; Upload: File };
}>();

export type { ResultOf, VariablesOf } from 'gql.tada';
