import type { CombinedError } from '@urql/core';
import { ref } from 'vue';
import { fieldErrorsOf } from '../errors';

/**
 * A form's API errors: per input (from `extensions.field`, renamed by `place` when the form shows
 * it under another name; null sends it to the top) and the rest on top of the form.
 */
export function useFormErrors() {
  const fieldErrors = ref<Record<string, string>>({});
  const generalErrors = ref<string[]>([]);

  function clear() {
    fieldErrors.value = {};
    generalErrors.value = [];
  }

  function show(error: CombinedError | null | undefined, place: (field: string) => string | null = (f) => f) {
    const { fields, general } = fieldErrorsOf(error);
    const placed: Record<string, string> = {};
    for (const [field, message] of Object.entries(fields)) {
      const name = place(field);
      if (name) placed[name] = message;
      else general.push(message);
    }
    fieldErrors.value = placed;
    generalErrors.value = general;
  }

  return { fieldErrors, generalErrors, clear, show };
}
