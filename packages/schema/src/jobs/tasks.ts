import type { ServiceContext } from '../context.js';

/** A durable job's work: a domain service call, run as the system (no actor). */
export type TaskHandler = (payload: any, ctx: ServiceContext) => Promise<void>;

const registry = new Map<string, TaskHandler>();

export function defineTask(name: string, handler: TaskHandler): string {
  registry.set(name, handler);
  return name;
}

export function allTasks(): ReadonlyMap<string, TaskHandler> {
  return registry;
}
