import { graphql, type ResultOf } from './tada';

export const NumberFields = graphql(`
  fragment NumberFields on Number {
    id e164 nationalFormat type tier status carrier callType autoRenew instanceId
    termStart termEnd reservedUntil graceUntil updatedAt firstTermMonths
    region { province city }
    tariff { code amount unit }
    tenant { id name }
  }
`);

export const RegionsWithStockQuery = graphql(`
  query RegionsWithStock($type: NumberType) {
    numberRegionsWithStock(type: $type) { province city count }
  }
`);

export const AvailableNumbersQuery = graphql(
  `
    query AvailableNumbers($type: NumberType!, $province: String, $city: String, $pattern: String, $first: Int) {
      availableNumbers(type: $type, province: $province, city: $city, pattern: $pattern, first: $first) {
        edges { node { ...NumberFields } }
        pageInfo { hasNextPage }
      }
    }
  `,
  [NumberFields],
);

export const MyNumbersQuery = graphql(
  `
    query MyNumbers($status: NumberStatus, $type: NumberType, $first: Int) {
      myNumbers(status: $status, type: $type, first: $first) {
        edges { node { ...NumberFields } }
      }
    }
  `,
  [NumberFields],
);

export const NumberStatusSubscription = graphql(
  `
    subscription NumberStatusChanged($after: String) {
      numberStatusChanged(after: $after) {
        cursor numberId e164 status previousStatus reason occurredAt
        number { ...NumberFields }
      }
    }
  `,
  [NumberFields],
);

export const PurchaseNumberMutation = graphql(
  `
    mutation PurchaseNumber($numberId: ID!, $qualificationId: ID!, $autoRenew: Boolean, $instanceId: ID) {
      purchaseNumber(numberId: $numberId, qualificationId: $qualificationId, callType: INBOUND_ONLY, autoRenew: $autoRenew, instanceId: $instanceId) {
        number { ...NumberFields }
        order { id orderNo total status expiresAt }
      }
    }
  `,
  [NumberFields],
);

export const SetAutoRenewMutation = graphql(
  `
    mutation SetAutoRenew($numberId: ID!, $autoRenew: Boolean!) {
      setAutoRenew(numberId: $numberId, autoRenew: $autoRenew) { ...NumberFields }
    }
  `,
  [NumberFields],
);

export const UnsubscribeBatchFields = graphql(`
  fragment UnsubscribeBatchFields on UnsubscribeBatch {
    id status createdAt completedAt updatedAt
    items { position e164 type result reason reasonCode feesEndMonth }
  }
`);

export const UnsubscribeNumbersMutation = graphql(
  `
    mutation UnsubscribeNumbers($numberIds: [ID!]!) {
      unsubscribeNumbers(numberIds: $numberIds) { ...UnsubscribeBatchFields }
    }
  `,
  [UnsubscribeBatchFields],
);

export const UnsubscribeBatchesQuery = graphql(
  `
    query UnsubscribeBatches($first: Int) {
      unsubscribeBatches(first: $first) { edges { node { ...UnsubscribeBatchFields } } }
    }
  `,
  [UnsubscribeBatchFields],
);

export const UnsubscribeBatchSubscription = graphql(
  `
    subscription UnsubscribeBatchStatusChanged($after: String) {
      unsubscribeBatchStatusChanged(after: $after) {
        cursor status previousStatus released failed total
        batch { ...UnsubscribeBatchFields }
      }
    }
  `,
  [UnsubscribeBatchFields],
);

export type PhoneNumber = ResultOf<typeof NumberFields>;
export type NumberStatus = PhoneNumber['status'];
export type NumberType = PhoneNumber['type'];
export type TollFreeTier = NonNullable<PhoneNumber['tier']>;
export type RegionStock = ResultOf<typeof RegionsWithStockQuery>['numberRegionsWithStock'][number];
export type UnsubscribeBatch = ResultOf<typeof UnsubscribeBatchFields>;

export const NUMBER_STATUSES: NumberStatus[] = ['ACTIVE', 'RESERVED', 'EXPIRED', 'AVAILABLE'];
export const NUMBER_TYPES: NumberType[] = ['LOCAL', 'MOBILE', 'TOLL_FREE_400'];
/** N5: tiers in order, with their monthly minimum spend in CNY. */
export const TIERS: TollFreeTier[] = ['STANDARD', 'PREFERRED', 'SELECTED', 'GOLD', 'PLATINUM', 'VIP', 'VVIP'];
/** Q2: buying or applying needs an approved qualification of this kind. */
export const qualificationKindFor = (type: NumberType) => (type === 'TOLL_FREE_400' ? 'TOLL_FREE_400' : 'STANDARD') as 'TOLL_FREE_400' | 'STANDARD';
