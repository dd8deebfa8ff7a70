import type { ServiceContext } from '../context.js';

/** The GraphQL context: the service context of the caller, one per request or subscription. */
export interface GraphQLContext extends ServiceContext {
  requestId: string;
  /** Runs every job due by the clock's now (used by advanceClock in manual-clock mode). */
  runDueJobs(): Promise<void>;
}
