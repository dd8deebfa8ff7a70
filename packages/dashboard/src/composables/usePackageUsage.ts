import { computed } from 'vue';
import { messageOf } from '../errors';
import { PackageUsageChangedSubscription, PackageUsageQuery } from '../graphql/voice';
import { useLiveRead } from './useLiveRead';
import { useLiveStream } from './useLiveStream';

/**
 * V2, V3: the tenant's minute packages, minutes used per day and the projected run-out. The
 * stream (`packageUsageChanged`, RT3) takes its position, then all three are read in one query,
 * and read again (once per burst) after every change: a package bought or a message's minutes.
 */
export function usePackageUsage(days = 30) {
  const read = useLiveRead(PackageUsageQuery, () => ({ days }));
  let positioned = false;
  const stream = useLiveStream(PackageUsageChangedSubscription, {
    variables: (after) => ({ after }),
    cursorOf: (d) => d.packageUsageChanged.cursor,
    onPositioned: () => {
      if (positioned) return;
      positioned = true;
      void read.read();
    },
    onItem: () => read.changed(),
  });

  const packages = computed(() => read.data.value?.voicePackages.edges.map((e) => e.node) ?? null);
  const active = computed(() => packages.value?.filter((p) => !p.expired) ?? []);

  return {
    packages,
    active,
    /** Minutes left in the packages that have not expired. */
    remaining: computed(() => active.value.reduce((n, p) => n + p.remainingMinutes, 0)),
    usage: computed(() => read.data.value?.packageUsagePerDay ?? null),
    runOut: computed(() => read.data.value?.packageRunOut ?? null),
    error: computed(() => read.error.value ?? messageOf(stream.error.value)),
    refetch: read.read,
  };
}
