import { graphql, type ResultOf } from './tada';

export const EventsSubscription = graphql(`
  subscription Events($after: String) {
    events(after: $after) { cursor type subjectId tenantId occurredAt payload }
  }
`);

export type FeedEvent = ResultOf<typeof EventsSubscription>['events'];
