import { graphql, type ResultOf } from './tada';

/** P1: an app as the apps and pools pages show it (the secret itself is never readable). */
export const PrivacyAppFields = graphql(`
  fragment PrivacyAppFields on PrivacyApp {
    id name mode extensionLength statusUrl cdrUrl smsUrl callControlUrl callControlTimeoutMs callControlFallback
    secretCreatedAt previousSecretValidUntil createdAt updatedAt
  }
`);

export const BindingFields = graphql(`
  fragment BindingFields on PrivacyBinding {
    id mode a b x extension direction record relaySms maxCallMinutes durationSeconds userData
    active createdAt updatedAt expiresAt endedAt endReason
    app { id name }
  }
`);

/** The server clock: countdowns and "the last hour" are measured on it, not on the browser's. */
export const ServerNowQuery = graphql(`
  query ServerNow { now }
`);

/**
 * The apps with their pool usage per city (P1); PARTNER keys only for the keys that may read keys.
 * Page sizes are variables, as in the instance query: a literal nested `first` multiplies the query cost.
 */
export const PrivacyAppsQuery = graphql(
  `
    query PrivacyApps($withKeys: Boolean!, $first: Int = 100, $keys: Int = 20) {
      privacyApps(first: $first) {
        edges {
          node {
            ...PrivacyAppFields
            poolUsage { province city total bound free }
            partnerKeys(first: $keys) @include(if: $withKeys) {
              edges { node { id prefix label createdAt lastUsedAt expiresAt revokedAt user { id name } } }
            }
          }
        }
      }
    }
  `,
  [PrivacyAppFields],
);

/** One page of the pool numbers with their quota (P4), for "closest to quota". */
export const PoolNumbersQuery = graphql(`
  query PoolNumbers($after: String) {
    poolNumbers(first: 100, after: $after) {
      edges { node { id e164 nationalFormat province city app { id name mode } quota { bound limit remaining } number { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

/** P9: bindings, newest first; by a number (A, B or X). */
export const BindingsQuery = graphql(
  `
    query PrivacyBindings($number: String, $activeOnly: Boolean, $endedSince: DateTime, $first: Int, $after: String) {
      privacyBindings(number: $number, activeOnly: $activeOnly, endedSince: $endedSince, first: $first, after: $after) {
        edges { node { ...BindingFields } }
        pageInfo { hasNextPage endCursor }
      }
    }
  `,
  [BindingFields],
);

export const BindingChangedSubscription = graphql(
  `
    subscription BindingChanged($after: String) {
      bindingChanged(after: $after) {
        cursor change mode x a b extension userData expiresAt occurredAt
        app { id }
        binding { ...BindingFields }
      }
    }
  `,
  [BindingFields],
);

export const PoolUsageChangedSubscription = graphql(`
  subscription PoolUsageChanged($after: String) {
    poolUsageChanged(after: $after) { cursor province city total bound free occurredAt app { id } }
  }
`);

export const CreatePrivacyAppMutation = graphql(
  `
    mutation CreatePrivacyApp($input: PrivacyAppInput!) {
      createPrivacyApp(input: $input) { secret app { ...PrivacyAppFields poolUsage { province city total bound free } } }
    }
  `,
  [PrivacyAppFields],
);

export const RotateAppSecretMutation = graphql(`
  mutation RotateAppSecret($appId: ID!, $overlapSeconds: Int) {
    rotateAppSecret(appId: $appId, overlapSeconds: $overlapSeconds) { secret previousValidUntil }
  }
`);

export const MoveNumbersToPoolMutation = graphql(`
  mutation MoveNumbersToPool($appId: ID!, $numberIds: [ID!]!) {
    moveNumbersToPool(appId: $appId, numberIds: $numberIds) { id e164 city }
  }
`);

export const UnbindMutation = graphql(
  `
    mutation Unbind($appId: ID!, $bindingId: ID!) {
      unbind(appId: $appId, bindingId: $bindingId) { ...BindingFields }
    }
  `,
  [BindingFields],
);

/** ACTIVE local and mobile numbers of the tenant: the ones that may join a pool (never a 400 number: N5). */
export const PoolCandidatesQuery = graphql(`
  query PoolCandidates {
    myNumbers(status: ACTIVE, first: 100) { edges { node { id e164 nationalFormat type region { province city } } } }
  }
`);

export type PrivacyAppRow = ResultOf<typeof PrivacyAppsQuery>['privacyApps']['edges'][number]['node'];
export type PrivacyMode = PrivacyAppRow['mode'];
export type PoolCity = PrivacyAppRow['poolUsage'][number];
export type PartnerKey = NonNullable<PrivacyAppRow['partnerKeys']>['edges'][number]['node'];
export type PoolNumberRow = ResultOf<typeof PoolNumbersQuery>['poolNumbers']['edges'][number]['node'];
export type Binding = ResultOf<typeof BindingFields>;
export type BindingChange = ResultOf<typeof BindingChangedSubscription>['bindingChanged'];
export type PoolCandidate = ResultOf<typeof PoolCandidatesQuery>['myNumbers']['edges'][number]['node'];

export const PRIVACY_MODES: PrivacyMode[] = ['AXB', 'AX', 'AXE', 'X'];
