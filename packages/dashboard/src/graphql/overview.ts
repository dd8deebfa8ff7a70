import { graphql, type ResultOf } from './tada';

/** P1: bound and free numbers of each app's pool (X-mode apps have none). */
export const PoolTotalsQuery = graphql(`
  query PoolTotals($first: Int = 100) {
    privacyApps(first: $first) { edges { node { id name mode poolUsage { total bound free } } } }
  }
`);

/** N3: the application pipeline. */
export const ApplicationCountsQuery = graphql(`
  query ApplicationCounts { applicationCounts { status count } }
`);

/** C3: failing deliveries and dead letters. */
export const WebhookHealthQuery = graphql(`
  query WebhookHealth { webhookHealth { pending failing dead delivered lastFailureAt } }
`);

export type ApplicationCount = ResultOf<typeof ApplicationCountsQuery>['applicationCounts'][number];
export type WebhookHealth = ResultOf<typeof WebhookHealthQuery>['webhookHealth'];
export type PoolApp = ResultOf<typeof PoolTotalsQuery>['privacyApps']['edges'][number]['node'];
