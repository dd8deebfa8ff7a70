import { createApiKey, createUser } from '@callplane/schema';
import type { TestApp } from './app.js';
import type { TenantFixture } from './context.js';

/** The secret of a new PARTNER key of a privacy app (the app's switch), made by the system. */
export async function partnerKey(t: TestApp, tenant: TenantFixture, appId: string, name: string): Promise<string> {
  const system = t.app.systemContext();
  const user = await createUser(system, { tenantId: tenant.tenantId, name: `switch ${name}`, email: `switch.${name}@${tenant.tenantId.slice(0, 8)}.example`, role: 'PARTNER' });
  return (await createApiKey(system, { userId: user.id, appId })).secret;
}
