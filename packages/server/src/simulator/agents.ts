// I3 as the switch sees it: which of an instance's agents are free to take a queued call. An agent
// is busy from ALERTING until the simulator has put it back to READY after its after-call work.

export interface AgentPool {
  /** A free agent of the group, waiting for one up to `patience` (false: the caller hung up); null when none came. */
  take(groupAgents: readonly string[], patience: Promise<boolean>): Promise<string | null>;
  release(agentId: string): void;
}

export function agentPool(ready: readonly string[]): AgentPool {
  const free = new Set(ready);
  const waiters: { agents: readonly string[]; resolve: (id: string | null) => void }[] = [];
  return {
    take(agents, patience) {
      const id = agents.find((a) => free.has(a));
      if (id) {
        free.delete(id);
        return Promise.resolve(id);
      }
      return new Promise((resolve) => {
        const waiter = { agents, resolve };
        waiters.push(waiter);
        void patience.then(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1), resolve(null);
        });
      });
    },
    release(agentId) {
      const i = waiters.findIndex((w) => w.agents.includes(agentId));
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve(agentId);
      else free.add(agentId);
    },
  };
}
