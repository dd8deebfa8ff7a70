import { builder } from '../../graphql/builder.js';
import { advanceManualClock } from './system.service.js';

builder.queryField('now', (t) =>
  t.field({ type: 'DateTime', description: "The server clock's time.", resolve: (_r, _a, ctx) => ctx.clock.now() }),
);

builder.mutationField('advanceClock', (t) =>
  t.field({
    type: 'DateTime',
    description:
      'Moves the manual clock forward (it is kept in the database: it survives a restart and is shared by every server on it) and returns once every job due by then has finished, also those another worker had already taken; JOBS_STILL_RUNNING when they take too long. Only when the server runs with CALLPLANE_CLOCK=manual.',
    args: { seconds: t.arg.int({ validate: { min: 0, max: 366 * 24 * 3600 } }) },
    resolve: async (_r, args, ctx) => {
      const now = await advanceManualClock(ctx, args.seconds);
      await ctx.runDueJobs();
      return now;
    },
  }),
);
