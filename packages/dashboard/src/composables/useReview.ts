import { useMutation } from '@urql/vue';
import { ref } from 'vue';
import { messageOf } from '../errors';
import { ReviewQualificationMutation } from '../graphql/qualifications';

/** OPERATOR decisions on a qualification (Q1); a rejection carries the reviewer's reason. */
export function useReview() {
  const mutation = useMutation(ReviewQualificationMutation);
  const busyId = ref<string | null>(null);
  const error = ref<string | null>(null);

  async function decide(id: string, decision: 'APPROVE' | 'REJECT', reason: string | null = null): Promise<boolean> {
    busyId.value = id;
    error.value = null;
    const result = await mutation.executeMutation({ id, decision, reason });
    busyId.value = null;
    error.value = messageOf(result.error);
    return !result.error;
  }

  return {
    busyId,
    error,
    approve: (id: string) => decide(id, 'APPROVE'),
    reject: (id: string, reason: string) => decide(id, 'REJECT', reason),
  };
}
