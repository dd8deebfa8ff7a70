import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import type { ObjectRef, SchemaTypes } from '@pothos/core';
import { builder } from '../../graphql/builder.js';
import { eventScope } from '../../access/scope.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { decodeCursor, encodeCursor } from './events.cursor.js';
import { eventTransportOf, renderedEvents } from './events.render.js';
import { headCursor, type StoredEvent } from './events.service.js';
import { streamEvents } from './events.stream.js';
import { EVENT_TYPES, type EventType } from './events.types.js';

export const EventTypeEnum = builder.enumType('EventType', { values: EVENT_TYPES });

export const EventRef = builder.objectRef<StoredEvent>('Event').implement({
  description: 'A state change. Its cursor resumes a subscription right after it (RT3).',
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    type: t.field({ type: EventTypeEnum, resolve: (e) => e.type }),
    subjectId: t.exposeString('subjectId'),
    tenantId: t.exposeString('tenantId', { nullable: true }),
    occurredAt: t.field({ type: 'DateTime', resolve: (e) => e.occurredAt }),
    payload: t.string({ description: 'The event data as JSON.', resolve: (e) => JSON.stringify(e.payload) }),
  }),
});

const followOptions = (ctx: GraphQLContext, after: string | null | undefined, types: readonly EventType[]) => ({
  after: after ? decodeCursor(after) : null,
  filter: { ...eventScope(ctx.actor), types },
  idlePollMs: ctx.settings.eventPollMs,
});

/** Replay-then-live stream of the caller's events of the given types: shared by every subscription. */
export function subscribeEvents(ctx: GraphQLContext, after: string | null | undefined, types: readonly EventType[]) {
  return streamEvents(ctx, followOptions(ctx, after, types));
}

/**
 * The subscribe of a field whose resolve passes the event on: over a transport that renders events
 * itself (graphql-ws), each event is executed once for all alike subscriptions (RT5), else streamed.
 */
function eventSubscription(ctx: GraphQLContext, after: string | null | undefined, types: readonly EventType[]) {
  const transport = eventTransportOf(ctx);
  return transport ? renderedEvents(ctx, followOptions(ctx, after, types), transport) : subscribeEvents(ctx, after, types);
}

builder.subscriptionField('events', (t) =>
  t.field({
    type: EventRef,
    description: 'Every event the key may see, after `after` (replayed), then live.',
    authScopes: { authenticated: true },
    args: {
      after: t.arg.string({ required: false, description: 'The cursor of the last event received; without it, only new events.' }),
      types: t.arg({ type: [EventTypeEnum], required: false }),
    },
    subscribe: (_root, args, ctx) => eventSubscription(ctx, args.after, args.types ?? []),
    resolve: (e) => e,
  }),
);

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T extends SchemaTypes> ? T : never;

/**
 * A module's typed status-change subscription: the key's events of one type (own tenant;
 * OPERATOR: all), replayed after `after`, then live.
 */
export function statusChangeSubscription(
  name: string,
  field: { type: ObjectRef<BuilderTypes, StoredEvent>; eventType: EventType; description: string; afterDescription?: string },
): void {
  builder.subscriptionField(name, (t) =>
    t.field({
      type: field.type,
      description: field.description,
      authScopes: { authenticated: true },
      args: { after: t.arg.string({ required: false, description: field.afterDescription }) },
      subscribe: (_root, args, ctx) => eventSubscription(ctx, args.after, [field.eventType]),
      resolve: (e, _args, ctx) => {
        // The subscription's context lives as long as it does: load the subject fresh per change.
        clearAllDataLoaders(ctx);
        return e;
      },
    }),
  );
}

builder.queryField('eventCursor', (t) =>
  t.string({
    description:
      'The current position of the event stream. Read it before loading state, then subscribe with `after:` it: nothing that changes in between is missed.',
    authScopes: { authenticated: true },
    resolve: async (_r, _a, ctx) => encodeCursor(await headCursor(ctx.db)),
  }),
);
