import type { TestApp } from './app.js';
import { ok } from './graphql.js';

const REPORT = `mutation($messages: [SmsInput!]!) { reportSms(messages: $messages) { status error { code field message } } }`;

/**
 * C4 rows for the isolation matrix: in each tenant, through its admin key, an SMS from the party of
 * its app's binding to the X (an Sms with its binding, SMS_RECEIVED event) and one from a stranger
 * (no binding). The apps have no SMS URL, so nothing is queued for delivery while the matrix reads.
 */
export async function isolationSms(t: TestApp, tenants: { tag: string; adminKey: string; x: string; party: string }[]): Promise<void> {
  const sentAt = new Date(t.clock.now().getTime() - 300_000).toISOString();
  for (const { tag, adminKey, x, party } of tenants) {
    const messages = [
      { messageId: `iso-${tag}-sms-1`, from: party, to: x, text: `hello from ${tag}`, sentAt },
      { messageId: `iso-${tag}-sms-2`, from: '13700000009', to: x, text: `stranger to ${tag}`, sentAt },
    ];
    const results = ok(await t.gql(REPORT, { messages }, adminKey)).reportSms as { status: string; error: unknown }[];
    if (results.some((r) => r.status !== 'STORED')) throw new Error(`SMS of ${tag}: ${JSON.stringify(results)}`);
  }
}
