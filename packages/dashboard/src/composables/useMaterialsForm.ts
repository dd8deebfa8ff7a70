import { useMutation, useQuery } from '@urql/vue';
import { computed, reactive, ref, watch } from 'vue';
import { messageOf } from '../errors';
import { SubmitMaterialsMutation } from '../graphql/applications';
import { DOCUMENT_TYPES, HandlersQuery, SaveHandlerMutation, type DocumentType } from '../graphql/qualifications';
import { useFormErrors } from './useFormErrors';
import type { HandlerDraft } from './useQualificationForm';

/**
 * N6: the handler's materials of a 400 application: a saved handler (Q3; a new or edited one is
 * saved first) and the four documents (Q4) as files. Errors go under the handler field or the
 * document input they name (`documents.<i>.file` points into the order sent).
 */
export function useMaterialsForm(applicationId: string) {
  const handler = reactive<HandlerDraft>({ name: '', idNumber: '', mobile: '', email: '' });
  const files = reactive(Object.fromEntries(DOCUMENT_TYPES.map((t) => [t, null])) as Record<DocumentType, File | null>);
  const handlersQuery = useQuery({ query: HandlersQuery });
  const savedHandlers = computed(() => handlersQuery.data.value?.handlers ?? []);
  const savedMatch = computed(() => savedHandlers.value.find((h) => h.name === handler.name.trim()) ?? null);
  watch(savedMatch, (h) => h && Object.assign(handler, { idNumber: h.idNumber, mobile: h.mobile, email: h.email }));

  const saveHandler = useMutation(SaveHandlerMutation);
  const submitMutation = useMutation(SubmitMaterialsMutation);
  const { fieldErrors, generalErrors, clear, show } = useFormErrors();
  const submitting = ref(false);

  async function submit(): Promise<boolean> {
    submitting.value = true;
    clear();
    try {
      const name = handler.name.trim();
      const h = savedMatch.value;
      if (name && (!h || h.idNumber !== handler.idNumber || h.mobile !== handler.mobile || h.email !== handler.email)) {
        const saved = await saveHandler.executeMutation({ ...handler, name });
        if (saved.error) return show(saved.error, (f) => (['name', 'idNumber', 'mobile', 'email'].includes(f) ? `handler.${f}` : null)), false;
      }
      const documents = DOCUMENT_TYPES.flatMap((documentType) => (files[documentType] ? [{ documentType, file: files[documentType]! }] : []));
      const result = await submitMutation.executeMutation({ applicationId, handlerName: name, documents });
      if (result.error) {
        show(result.error, (field) => {
          const doc = /^documents\.(\d+)/.exec(field);
          if (doc) return `documents.${documents[Number(doc[1])]?.documentType}`;
          return field === 'handlerName' ? 'handler.name' : null;
        });
        return false;
      }
      return true;
    } finally {
      submitting.value = false;
    }
  }

  return {
    handler,
    files,
    savedHandlers,
    savedMatch,
    handlersError: computed(() => messageOf(handlersQuery.error.value)),
    fieldErrors,
    generalErrors,
    submitting,
    submit,
  };
}
