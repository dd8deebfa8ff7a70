// V3, C3: a voice app's signing secret in GraphQL: shown once in createVoiceApp's and
// rotateVoiceAppSecret's answers (VoiceApp.secret; null on every later read), as Stripe shows a
// webhook endpoint's secret, and when it was made or rotated.
import { builder } from '../../graphql/builder.js';
import { DEFAULT_SECRET_OVERLAP_SECONDS } from '../../shared/app-secrets.js';
import { VoiceAppRef } from './voice.graphql.js';
import { rotateVoiceAppSecret, type IssuedVoiceApp } from './voice.push.js';

const issued = (a: object): Partial<IssuedVoiceApp> => a as Partial<IssuedVoiceApp>;

builder.objectFields(VoiceAppRef, (t) => ({
  secret: t.string({
    nullable: true,
    description: 'The signing secret of the app’s status pushes: only in the answer of createVoiceApp and rotateVoiceAppSecret, null on every other read.',
    resolve: (a) => issued(a).secret ?? null,
  }),
  secretCreatedAt: t.expose('secret_created_at', { type: 'DateTime', nullable: true, description: 'When the current signing secret was made; secrets are shown once.' }),
  previousSecretValidUntil: t.expose('previous_secret_valid_until', { type: 'DateTime', nullable: true, description: 'After a rotation, the previous secret signs and is accepted until then.' }),
}));

builder.mutationField('rotateVoiceAppSecret', (t) =>
  t.field({
    type: VoiceAppRef,
    description: `C3: a new signing secret of a voice app, in \`secret\` this once; the previous one keeps signing and being accepted for overlapSeconds (default ${DEFAULT_SECRET_OVERLAP_SECONDS}, at most 7 days).`,
    args: { appId: t.arg.globalID({ for: VoiceAppRef }), overlapSeconds: t.arg.int({ required: false }) },
    resolve: (_r, args, ctx) => rotateVoiceAppSecret(ctx, args.appId.id, args.overlapSeconds ?? undefined),
  }),
);
