// C2: callVolume, the per-minute series of ended calls behind the live calls page's charts.
import { builder } from '../../graphql/builder.js';
import { PrivacyAppRef } from '../privacy/privacy.graphql.js';
import { InstanceRef } from '../instances/instances.graphql.js';
import { callVolume, CALL_VOLUME_MAX_HOURS, type CallVolumeBucket } from './calls.volume.js';

const CallVolumeBucketRef = builder.objectRef<CallVolumeBucket>('CallVolumeBucket').implement({
  description: 'One minute of ended calls (by the CDRs’ end time).',
  fields: (t) => ({
    minute: t.expose('minute', { type: 'DateTime', description: 'The start of the minute.' }),
    calls: t.exposeInt('calls', { description: 'Calls that ended in the minute.' }),
    answered: t.exposeInt('answered', { description: 'Of those, the answered ones (answer rate = answered / calls).' }),
  }),
});

builder.queryField('callVolume', (t) =>
  t.field({
    type: [CallVolumeBucketRef],
    description: `C2: calls per minute and answered ones from \`since\` (at most ${CALL_VOLUME_MAX_HOURS} hours ago) to now, every minute present, oldest first; the CDRs the key may see, by app or instance.`,
    authScopes: { authenticated: true },
    args: {
      since: t.arg({ type: 'DateTime', required: true }),
      appId: t.arg.globalID({ for: PrivacyAppRef, required: false }),
      instanceId: t.arg.globalID({ for: InstanceRef, required: false }),
    },
    resolve: (_r, args, ctx) => callVolume(ctx, { since: args.since, appId: args.appId?.id, instanceId: args.instanceId?.id }),
  }),
);
