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
