import { builder } from '../../graphql/builder.js';
import { DomainError } from '../../errors.js';
import { ManualClock } from '../../clock.js';

builder.queryField('now', (t) =>
  t.field({ type: 'DateTime', description: "The server clock's time.", resolve: (_r, _a, ctx) => ctx.clock.now() }),
);

builder.mutationField('advanceClock', (t) =>
  t.field({
    type: 'DateTime',
    description:
      'Moves the manual clock forward and runs every job that has become due before returning. Only when the server runs with CALLPLANE_CLOCK=manual.',
    args: { seconds: t.arg.int({ validate: { min: 0, max: 366 * 24 * 3600 } }) },
    resolve: async (_r, args, ctx) => {
      if (!(ctx.clock instanceof ManualClock))
        throw new DomainError('CLOCK_NOT_MANUAL', 'advanceClock works only when the server runs with CALLPLANE_CLOCK=manual', 'seconds');
      const now = ctx.clock.advance(args.seconds);
      await ctx.runDueJobs();
      return now;
    },
  }),
);
