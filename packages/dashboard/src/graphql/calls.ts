import { graphql, type ResultOf } from './tada';

/** C1: a call's own columns: what each call event brings (nothing that costs the server another read per event: its app, instance and agent by id only). */
export const CallStateFields = graphql(`
  fragment CallStateFields on Call {
    id switchCallId state direction x caller called callee
    callInAt queuedAt alertingAt answeredAt endedAt failureReason updatedAt
    appId instanceId agentId
  }
`);

/** C1: a call as the live calls page reads it at first: with its app, instance and agent names. */
export const LiveCallFields = graphql(
  `
    fragment LiveCallFields on Call {
      ...CallStateFields
      app { id name }
      instance { id name }
      agent { id name }
    }
  `,
  [CallStateFields],
);

/** C1: the names of apps, instances and agents that calls name by id (those the first read did not bring). */
export const NamesQuery = graphql(`
  query Names($ids: [ID!]!) {
    nodes(ids: $ids) {
      id
      ... on PrivacyApp { name }
      ... on Instance { name }
      ... on Agent { name }
    }
  }
`);

/** C2: a CDR as the feed shows it. */
export const CdrFields = graphql(`
  fragment CdrFields on Cdr {
    id switchCallId x caller callee callInAt answeredAt endedAt failureReason billableMinutes
    app { id name }
    instance { id name }
  }
`);

/** C1: the calls in progress, newest first, a page at a time (the page size a variable: a literal one multiplies the query cost). */
export const LiveCallsQuery = graphql(
  `
    query LiveCalls($after: String, $first: Int = 100) {
      liveCalls(first: $first, after: $after) {
        edges { node { ...LiveCallFields } }
        pageInfo { hasNextPage endCursor }
      }
    }
  `,
  [LiveCallFields],
);

export const CallEventsSubscription = graphql(
  `
    subscription CallEvents($after: String) {
      callEvents(after: $after) {
        cursor event state eventId occurredAt
        call { ...CallStateFields }
      }
    }
  `,
  [CallStateFields],
);

/** C2: the newest CDRs (the feed's first screen). */
export const RecentCdrsQuery = graphql(
  `
    query RecentCdrs($first: Int) {
      cdrs(first: $first) { edges { node { ...CdrFields } } }
    }
  `,
  [CdrFields],
);

export const CdrCreatedSubscription = graphql(
  `
    subscription CdrCreated($after: String) {
      cdrCreated(after: $after) {
        cursor change endedAt
        cdr { ...CdrFields }
      }
    }
  `,
  [CdrFields],
);

/** C2: calls per minute and the answered ones since a time (the charts' last hour). */
export const CallVolumeQuery = graphql(`
  query CallVolume($since: DateTime!) {
    callVolume(since: $since) { minute calls answered }
  }
`);

/** A call as a row holds it: its own columns; the names of its app, instance and agent are looked up by id (useNames). */
export type LiveCall = ResultOf<typeof CallStateFields>;
/** A call as the first read brings it, with those names. */
export type NamedCall = ResultOf<typeof LiveCallFields>;
export type CallState = LiveCall['state'];
export type CdrRow = ResultOf<typeof CdrFields>;
export type CallEventChange = ResultOf<typeof CallEventsSubscription>['callEvents'];
export type VolumeBucket = ResultOf<typeof CallVolumeQuery>['callVolume'][number];
