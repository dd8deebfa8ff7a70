import { useMutation, useQuery } from '@urql/vue';
import { computed, reactive, ref, watch } from 'vue';
import { fieldErrorsOf, messageOf } from '../errors';
import {
  DOCUMENT_TYPES,
  HandlersQuery,
  QualificationQuery,
  ResubmitQualificationMutation,
  SaveHandlerMutation,
  SubmitQualificationMutation,
  type DocumentType,
  type Qualification,
  type QualificationInput,
  type QualificationKind,
} from '../graphql/qualifications';

export type HandlerDraft = { name: string; idNumber: string; mobile: string; email: string };

/** API field names that the form shows under an input of a different name. */
const FIELD_ALIASES: Record<string, string> = { handlerName: 'handler.name' };

/** The form's fields from a rejected qualification, to correct and resubmit it. */
function draftFrom(q: Qualification) {
  return {
    kind: q.kind,
    companyName: q.companyName,
    creditCode: q.creditCode,
    legalRepresentative: q.legalRepresentative,
    licenceValidUntil: q.licenceIndefinite ? '' : q.licenceValidUntil,
    licenceIndefinite: q.licenceIndefinite,
    contactName: q.contactName,
    contactMobile: q.contactMobile,
    contactEmail: q.contactEmail ?? '',
  };
}

/**
 * Q1, Q3, Q4: the submission form; with `resubmitId`, the correction of a rejected one. A typed handler name that matches a saved handler fills its
 * details in; a new or edited handler is saved first. Documents go as files (multipart).
 * Errors land under the field that `extensions.field` names, the rest on top of the form.
 */
export function useQualificationForm(resubmitId: string | null = null) {
  const form = reactive({
    kind: 'STANDARD' as QualificationKind,
    companyName: '',
    creditCode: '',
    legalRepresentative: '',
    licenceValidUntil: '',
    licenceIndefinite: false,
    contactName: '',
    contactMobile: '',
    contactEmail: '',
  });
  const handler = reactive<HandlerDraft>({ name: '', idNumber: '', mobile: '', email: '' });
  const files = reactive(Object.fromEntries(DOCUMENT_TYPES.map((t) => [t, null])) as Record<DocumentType, File | null>);

  const handlersQuery = useQuery({ query: HandlersQuery });
  const savedHandlers = computed(() => handlersQuery.data.value?.handlers ?? []);
  const savedMatch = computed(() => savedHandlers.value.find((h) => h.name === handler.name.trim()) ?? null);
  watch(savedMatch, (h) => h && Object.assign(handler, { idNumber: h.idNumber, mobile: h.mobile, email: h.email }));

  const original = useQuery({ query: QualificationQuery, variables: { id: resubmitId ?? '' }, pause: !resubmitId });
  const loadedOriginal = computed(() => original.data.value?.qualification ?? null);
  watch(loadedOriginal, (q) => {
    if (!q) return;
    Object.assign(form, draftFrom(q));
    handler.name = q.handler?.name ?? '';
  });

  const submitMutation = useMutation(SubmitQualificationMutation);
  const resubmitMutation = useMutation(ResubmitQualificationMutation);
  const saveHandlerMutation = useMutation(SaveHandlerMutation);
  const fieldErrors = ref<Record<string, string>>({});
  const generalErrors = ref<string[]>([]);
  const submitting = ref(false);
  const known = new Set([
    ...Object.keys(form),
    ...['name', 'idNumber', 'mobile', 'email'].map((f) => `handler.${f}`),
    ...DOCUMENT_TYPES.map((t) => `documents.${t}`),
  ]);
  /** The document types in the order last sent: `documents.<i>` in an error points into it. */
  let sentTypes: DocumentType[] = [];

  function placeOf(field: string, prefix: string): string {
    const document = /^documents\.(\d+)/.exec(field);
    if (document) return `documents.${sentTypes[Number(document[1])]}`;
    return FIELD_ALIASES[field] ?? prefix + field;
  }

  function showErrors(error: Parameters<typeof fieldErrorsOf>[0], prefix = '') {
    const { fields, general } = fieldErrorsOf(error);
    const placed: Record<string, string> = {};
    for (const [field, message] of Object.entries(fields)) {
      const name = placeOf(field, prefix);
      if (known.has(name)) placed[name] = message;
      else general.push(`${field}: ${message}`);
    }
    fieldErrors.value = placed;
    generalErrors.value = general;
  }

  function handlerChanged(): boolean {
    const h = savedMatch.value;
    return !h || h.idNumber !== handler.idNumber || h.mobile !== handler.mobile || h.email !== handler.email;
  }

  function input(): QualificationInput {
    const documents = DOCUMENT_TYPES.flatMap((documentType) => (files[documentType] ? [{ documentType, file: files[documentType]! }] : []));
    sentTypes = documents.map((d) => d.documentType);
    return {
      ...form,
      licenceValidUntil: form.licenceIndefinite || !form.licenceValidUntil ? null : form.licenceValidUntil,
      contactEmail: form.contactEmail.trim() || null,
      handlerName: handler.name.trim() || null,
      documents,
    };
  }

  /** Resolves to the new qualification's id, or null when the API refused it (errors are then shown). */
  async function submit(): Promise<string | null> {
    submitting.value = true;
    fieldErrors.value = {};
    generalErrors.value = [];
    try {
      if (handler.name.trim() && handlerChanged()) {
        const saved = await saveHandlerMutation.executeMutation({ ...handler, name: handler.name.trim() });
        if (saved.error) return showErrors(saved.error, 'handler.'), null;
      }
      if (resubmitId) {
        const result = await resubmitMutation.executeMutation({ id: resubmitId, input: input() });
        if (result.error) return showErrors(result.error), null;
        return result.data?.resubmitQualification.id ?? null;
      }
      const result = await submitMutation.executeMutation({ input: input() });
      if (result.error) return showErrors(result.error), null;
      return result.data?.submitQualification.id ?? null;
    } finally {
      submitting.value = false;
    }
  }

  return {
    form,
    handler,
    files,
    savedHandlers,
    savedMatch,
    handlersError: computed(() => messageOf(handlersQuery.error.value)),
    original: loadedOriginal,
    originalLoading: computed(() => !!resubmitId && original.fetching.value && !original.data.value),
    originalError: computed(() =>
      messageOf(original.error.value) ?? (resubmitId && original.data.value && !loadedOriginal.value ? 'This qualification does not exist or is not yours.' : null),
    ),
    fieldErrors,
    generalErrors,
    submitting,
    submit,
  };
}
