import { graphql, type ResultOf } from './tada';

/** C3: a webhook delivery with its attempts, as the webhooks page shows it. */
export const DeliveryFields = graphql(`
  fragment DeliveryFields on Delivery {
    id deliveryId kind status url itemCount attemptCount firstAttemptAt lastAttemptAt nextAttemptAt createdAt updatedAt
    app { id name }
    voiceApp { id name }
    attempts { attempt attemptedAt statusCode latencyMs error }
  }
`);

export const DeliveriesQuery = graphql(
  `
    query Deliveries($status: DeliveryStatus, $first: Int) {
      deliveries(status: $status, first: $first) { edges { node { ...DeliveryFields } } }
    }
  `,
  [DeliveryFields],
);

export const DeliveryChangedSubscription = graphql(
  `
    subscription DeliveryChanged($after: String) {
      deliveryChanged(after: $after) {
        cursor status
        delivery { ...DeliveryFields }
      }
    }
  `,
  [DeliveryFields],
);

export const RedeliverMutation = graphql(
  `
    mutation RedeliverDelivery($id: ID!) {
      redeliverDelivery(id: $id) { ...DeliveryFields }
    }
  `,
  [DeliveryFields],
);

export type Delivery = ResultOf<typeof DeliveryFields>;
export type DeliveryStatus = Delivery['status'];
export const DELIVERY_STATUSES: DeliveryStatus[] = ['PENDING', 'DELIVERED', 'DEAD'];
