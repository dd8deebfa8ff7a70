import { SYSTEM, type Actor } from '@callplane/schema';
import { runningInstance } from '@callplane/schema/testing';
import type { TestApp } from './app.js';
import type { TenantFixture } from './context.js';

/** The service world of a started app (its database, clock and bus), for the instance fixtures. */
export function appWorld(t: TestApp) {
  const system = t.app.systemContext();
  return { db: system.db, clock: t.clock, ctx: (actor: Actor | null = SYSTEM) => ({ ...system, actor }) };
}

/** A RUNNING instance of the tenant on the app (with its admin agent, Default group and Welcome flow: I2). */
export const runningInstanceOn = (t: TestApp, tenant: TenantFixture, opts?: Parameters<typeof runningInstance>[2]) => runningInstance(appWorld(t), tenant, opts);
