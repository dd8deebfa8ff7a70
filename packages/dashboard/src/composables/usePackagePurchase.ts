import { useMutation, useQuery } from '@urql/vue';
import { computed, ref } from 'vue';
import { fieldErrorsOf } from '../errors';
import { BuyVoicePackageMutation, VoicePackageQuoteQuery, type FixedPackage } from '../graphql/voice';
import { codedMessage } from './useBilling';
import { useFormErrors } from './useFormErrors';

/**
 * V2 (TENANT_ADMIN): a package is quoted as it is chosen (a fixed one, or custom minutes: the
 * server's bracket sets the unit price), then bought from the balance; the page's packages move on
 * their own (packageUsageChanged).
 */
export function usePackagePurchase() {
  const fixed = ref<FixedPackage | null>('FIXED_10K');
  const minutes = ref('');
  const choice = computed(() => {
    if (fixed.value) return { fixedPackage: fixed.value, minutes: null };
    const n = Number(minutes.value.replace(/[\s,]/g, ''));
    return minutes.value.trim() && Number.isInteger(n) ? { fixedPackage: null, minutes: n } : null;
  });
  const quote = useQuery({ query: VoicePackageQuoteQuery, variables: computed(() => choice.value ?? {}), pause: computed(() => !choice.value) });
  const buy = useMutation(BuyVoicePackageMutation);
  const { fieldErrors, generalErrors, show, clear } = useFormErrors();
  const bought = ref<string | null>(null);

  async function submit() {
    if (!choice.value) return;
    bought.value = null;
    clear();
    const r = await buy.executeMutation({ input: choice.value });
    if (r.error) return show(r.error, (field) => (field === 'minutes' || field === 'fixedPackage' ? field : null));
    const p = r.data!.buyVoicePackage;
    bought.value = `${p.totalMinutes.toLocaleString()} minutes bought (order ${p.order?.orderNo ?? '—'}).`;
  }

  return {
    fixed,
    minutes,
    quote: computed(() => (choice.value ? (quote.data.value?.voicePackageQuote ?? null) : null)),
    quoteError: computed(() => (choice.value ? (fieldErrorsOf(quote.error.value).fields.minutes ?? codedMessage(quote.error.value)) : null)),
    busy: buy.fetching,
    submit,
    fieldErrors,
    generalErrors,
    bought,
  };
}
