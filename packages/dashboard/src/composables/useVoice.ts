import { computed, ref, watch } from 'vue';
import { VoiceAppsQuery, VoiceMessageStatusSubscription, VoiceMessagesQuery, VoiceNumbersQuery, type VoiceMessage } from '../graphql/voice';
import { useEventDrivenReads, useLiveRead } from './useLiveRead';
import { useLiveList } from './useLiveList';

const newestFirst = (a: VoiceMessage, b: VoiceMessage) => b.queuedAt.localeCompare(a.queuedAt) || b.id.localeCompare(a.id);

/**
 * V1, V3: the voice page: the apps, the chosen app's numbers (read again when one is opened or
 * closed) and its last 50 messages, each replaced live by `voiceMessageStatusChanged` as the
 * switch reports its outcome.
 */
export function useVoice() {
  const appId = ref<string | null>(null);
  const apps = useLiveRead(VoiceAppsQuery, () => ({}));
  const numbers = useLiveRead(VoiceNumbersQuery, () => (appId.value ? { appId: appId.value } : null));
  const stream = useEventDrivenReads([
    { read: apps, types: ['VOICE_APP_CHANGED'] },
    { read: numbers, types: ['VOICE_NUMBER_OPENED', 'VOICE_NUMBER_CLOSED'] },
  ]);
  const appList = computed(() => apps.data.value?.voiceApps.edges.map((e) => e.node) ?? null);
  // the first app until the user picks another; a newly read list keeps the pick
  watch(appList, (list) => {
    if (list?.length && !list.some((a) => a.id === appId.value)) appId.value = list[0]!.id;
  });
  watch(appId, () => stream.positioned.value && void numbers.read());

  const messages = useLiveList({
    query: VoiceMessagesQuery,
    variables: () => ({ appId: appId.value }),
    nodesOf: (d) => d.voiceMessages.edges.map((e) => e.node),
    subscription: VoiceMessageStatusSubscription,
    cursorOf: (d) => d.voiceMessageStatusChanged.cursor,
    changeOf: (d) => ({ id: d.voiceMessageStatusChanged.message?.id ?? '', node: d.voiceMessageStatusChanged.message ?? null }),
    matches: (m) => m.appId === appId.value,
    compare: newestFirst,
  });

  return {
    appId,
    apps: appList,
    numbers: computed(() => numbers.data.value?.voiceNumbers.edges.map((e) => e.node) ?? null),
    messages,
    error: computed(() => apps.error.value ?? numbers.error.value ?? stream.error.value),
  };
}
