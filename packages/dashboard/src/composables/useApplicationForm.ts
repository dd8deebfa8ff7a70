import { useMutation } from '@urql/vue';
import { reactive, ref } from 'vue';
import { ApplyForNumbersMutation, type ApplicationPurpose } from '../graphql/applications';
import type { NumberType, TollFreeTier } from '../graphql/numbers';
import { useFormErrors } from './useFormErrors';

/**
 * N3: the application form. Errors land under the field that `extensions.field` names
 * (`input.scenarios.1.script` → `scenarios.1.script`), the rest on top of the form.
 */
export function useApplicationForm() {
  const form = reactive({
    purpose: 'NON_MARKETING' as ApplicationPurpose,
    type: 'LOCAL' as NumberType,
    tier: 'STANDARD' as TollFreeTier,
    quantity: 1,
    province: '',
    city: '',
    contactName: '',
    contactMobile: '',
    contactEmail: '',
    qualificationId: '',
    instanceId: '',
  });
  const scenarios = reactive([{ scenario: '', script: '' }]);
  const mutation = useMutation(ApplyForNumbersMutation);
  const { fieldErrors, generalErrors, clear, show } = useFormErrors();
  const submitting = ref(false);

  const addScenario = () => scenarios.push({ scenario: '', script: '' });
  const removeScenario = (i: number) => scenarios.length > 1 && scenarios.splice(i, 1);

  /** Resolves to the new application's ticket number, or null when the API refused it. */
  async function submit(): Promise<string | null> {
    submitting.value = true;
    clear();
    const tollFree = form.type === 'TOLL_FREE_400';
    const result = await mutation.executeMutation({
      input: {
        purpose: form.purpose,
        type: form.type,
        tier: tollFree ? form.tier : null,
        quantity: Number(form.quantity) || 1,
        province: form.province.trim(),
        city: form.city.trim(),
        contactName: form.contactName.trim(),
        contactMobile: form.contactMobile.trim(),
        contactEmail: form.contactEmail.trim(),
        qualificationId: form.qualificationId,
        instanceId: form.instanceId || null,
        scenarios: scenarios.map((s) => ({ scenario: s.scenario.trim(), script: s.script.trim() })),
      },
    });
    submitting.value = false;
    if (result.error) return show(result.error), null;
    return result.data?.applyForNumbers.ticketNo ?? null;
  }

  return { form, scenarios, addScenario, removeScenario, fieldErrors, generalErrors, submitting, submit };
}
