import { graphql, type ResultOf } from './tada';

/** V2: a minute package as the packages page and the overview show it. */
export const VoicePackageFields = graphql(`
  fragment VoicePackageFields on VoicePackage {
    id kind tariffCode totalMinutes remainingMinutes reservedMinutes usedMinutes expired purchasedAt expiresAt
  }
`);

/** V2: the packages (newest first), the minutes used per day and the projected run-out, in one read. */
export const PackageUsageQuery = graphql(
  `
    query PackageUsage($days: Int = 30, $first: Int = 50, $activeOnly: Boolean) {
      voicePackages(first: $first, activeOnly: $activeOnly) { edges { node { ...VoicePackageFields } } }
      packageUsagePerDay(days: $days) { day minutes }
      packageRunOut
    }
  `,
  [VoicePackageFields],
);

export const PackageUsageChangedSubscription = graphql(`
  subscription PackageUsageChanged($after: String) {
    packageUsageChanged(after: $after) { cursor total remaining expiresAt occurredAt package { id } }
  }
`);

export const VoiceAppsQuery = graphql(`
  query VoiceApps($first: Int = 100) {
    voiceApps(first: $first) { edges { node { id name statusUrl createdAt } } }
  }
`);

/** V1: an app's numbers, open ones first. */
export const VoiceNumbersQuery = graphql(`
  query VoiceNumbers($appId: ID, $first: Int = 100) {
    voiceNumbers(appId: $appId, first: $first) { edges { node { id e164 nationalFormat open openedAt closedAt } } }
  }
`);

/** V3: a message as the voice page lists it. */
export const VoiceMessageFields = graphql(`
  fragment VoiceMessageFields on VoiceMessage {
    id appId to text templateId status durationSeconds billedMinutes unbilledMinutes failureReason queuedAt reportedAt updatedAt
  }
`);

export const VoiceMessagesQuery = graphql(
  `
    query VoiceMessages($appId: ID, $first: Int = 50) {
      voiceMessages(appId: $appId, first: $first) { edges { node { ...VoiceMessageFields } } }
    }
  `,
  [VoiceMessageFields],
);

export const VoiceMessageStatusSubscription = graphql(
  `
    subscription VoiceMessageStatus($after: String) {
      voiceMessageStatusChanged(after: $after) { cursor status message { ...VoiceMessageFields } }
    }
  `,
  [VoiceMessageFields],
);

export type VoicePackage = ResultOf<typeof VoicePackageFields>;
export type UsageDay = ResultOf<typeof PackageUsageQuery>['packageUsagePerDay'][number];
export type VoiceMessage = ResultOf<typeof VoiceMessageFields>;
export type VoiceNumber = ResultOf<typeof VoiceNumbersQuery>['voiceNumbers']['edges'][number]['node'];

/** V2: what a package costs before buying it: minutes (custom) or a fixed package. */
export const VoicePackageQuoteQuery = graphql(`
  query VoicePackageQuote($minutes: Int, $fixedPackage: VoiceFixedPackage) {
    voicePackageQuote(minutes: $minutes, fixedPackage: $fixedPackage) { kind fixedPackage tariffCode minutes unitPrice price }
  }
`);

export const BuyVoicePackageMutation = graphql(
  `
    mutation BuyVoicePackage($input: BuyVoicePackageInput!) {
      buyVoicePackage(input: $input) { ...VoicePackageFields order { id orderNo total } }
    }
  `,
  [VoicePackageFields],
);

export const FIXED_PACKAGES = ['FIXED_10K', 'FIXED_100K', 'FIXED_500K', 'FIXED_1M', 'FIXED_3M'] as const;
export type FixedPackage = (typeof FIXED_PACKAGES)[number];
