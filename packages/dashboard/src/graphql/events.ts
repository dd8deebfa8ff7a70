import { graphql, type ResultOf } from './tada';

export const EventsSubscription = graphql(`
  subscription Events($after: String) {
    events(after: $after) { cursor type subjectId tenantId occurredAt payload }
  }
`);

export type FeedEvent = ResultOf<typeof EventsSubscription>['events'];

/** The stream's current position: streams start from it, so nothing is missed while they set up. */
export const EventCursorQuery = graphql(`
  query EventCursor { eventCursor }
`);

/** The events of some types only, their cursor, type and time: what a page needs to know that its reads moved. */
export const EventsOfTypesSubscription = graphql(`
  subscription EventsOfTypes($after: String, $types: [EventType!]) {
    events(after: $after, types: $types) { cursor type occurredAt }
  }
`);

export type EventType = ResultOf<typeof EventsOfTypesSubscription>['events']['type'];
