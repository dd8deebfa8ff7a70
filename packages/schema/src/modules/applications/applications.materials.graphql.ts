// N6: the handler's materials of a 400 application, over GraphQL.
import { builder } from '../../graphql/builder.js';
import { DecisionEnum, DocumentTypeEnum } from '../qualifications/qualifications.graphql.js';
import { NumberApplicationRef } from './applications.graphql.js';
import { reviewHandlerMaterials, submitHandlerMaterials } from './applications.service.js';

const MaterialUpload = builder.inputType('HandlerMaterialUpload', {
  fields: (t) => ({
    documentType: t.field({ type: DocumentTypeEnum }),
    file: t.field({ type: 'Upload' }),
  }),
});

builder.mutationFields((t) => ({
  submitHandlerMaterials: t.field({
    type: NumberApplicationRef,
    description: 'N6: the handler (a saved handler, Q3) and the four documents (Q4) of a 400 application, within 7 days of applying.',
    args: {
      applicationId: t.arg.globalID({ for: NumberApplicationRef }),
      handlerName: t.arg.string(),
      documents: t.arg({ type: [MaterialUpload] }),
    },
    resolve: (_r, args, ctx) =>
      submitHandlerMaterials(ctx, { applicationId: args.applicationId.id, handlerName: args.handlerName, documents: args.documents }),
  }),
  reviewHandlerMaterials: t.field({
    type: NumberApplicationRef,
    description: "N6 (OPERATOR): the carrier's review of the materials; only after approval does the 400 number become ACTIVE.",
    args: {
      applicationId: t.arg.globalID({ for: NumberApplicationRef }),
      decision: t.arg({ type: DecisionEnum }),
      reason: t.arg.string({ required: false }),
    },
    resolve: (_r, args, ctx) => reviewHandlerMaterials(ctx, args.applicationId.id, args.decision, args.reason),
  }),
}));
