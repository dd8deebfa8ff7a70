import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { execute, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { formatError, type Actor, type EventTransport } from '@callplane/schema';

/** Bytes a socket may hold unsent; beyond, its subscriptions stop sending and catch up on their own once it drained. */
export const SOCKET_HIGH_WATER = 512 * 1024;

const cursorVariablesOf = new WeakMap<DocumentNode, Set<string>>();

/**
 * The variables used only as the subscription field's `after`: they choose where a subscription
 * starts, not how an event renders, so they stay out of the share key.
 */
export function cursorVariables(schema: GraphQLSchema, document: DocumentNode): Set<string> {
  let names = cursorVariablesOf.get(document);
  if (!names) {
    const atAfter = new Set<string>();
    const elsewhere = new Set<string>();
    const typeInfo = new TypeInfo(schema);
    let inAfter = false;
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        VariableDefinition: () => false,
        Argument: {
          enter: (node) => void (inAfter = node.name.value === 'after' && typeInfo.getParentType() === schema.getSubscriptionType()),
          leave: () => void (inAfter = false),
        },
        Variable: (node) => void (inAfter ? atAfter : elsewhere).add(node.name.value),
      }),
    );
    names = new Set([...atAfter].filter((n) => !elsewhere.has(n)));
    cursorVariablesOf.set(document, names);
  }
  return names;
}

/**
 * What decides how an event renders for a subscription: the query text, the operation, the
 * variables but those of `after`, and the key's access scope (role, tenant, app), which is all
 * the read policy looks at. Subscriptions with the same key share one rendering per event.
 */
export function shareKey(query: string, args: ExecutionArgs, actor: Actor | null): string {
  const cursors = cursorVariables(args.schema, args.document);
  const variables = args.variableValues ?? {};
  const kept = Object.keys(variables)
    .filter((name) => !cursors.has(name))
    .sort()
    .map((name) => [name, variables[name]]);
  return JSON.stringify([query, args.operationName ?? null, kept, actor?.role ?? null, actor?.tenantId ?? null, actor?.appId ?? null]);
}

/** An execution result as yoga sends it: errors masked as over HTTP. */
const serialise = (result: ExecutionResult) =>
  JSON.stringify(result.errors?.length ? { ...result, errors: result.errors.map((e) => formatError(e)) } : result);

/**
 * A graphql-ws subscription's events as `next` frames written straight to its socket: the payload
 * (the subscription's document executed on the event, as graphql-ws would run it, serialised) is
 * rendered once per share key and event, and every alike subscription wraps it in its own id.
 * graphql-ws keeps the protocol: subscribe, complete, errors.
 */
export function frameTransport(socket: WebSocket, tcp: Socket, id: string, query: string, args: ExecutionArgs, actor: Actor | null): EventTransport {
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  let key: string | undefined;
  return {
    get shareKey() {
      return (key ??= shareKey(query, args, actor));
    },
    render(e) {
      const result = execute({ ...args, rootValue: e });
      return 'then' in result ? result.then(serialise) : serialise(result);
    },
    send(rendered) {
      if (socket.readyState !== socket.OPEN) return true; // closing: graphql-ws ends the subscription
      socket.send(head + rendered + '}');
      return socket.bufferedAmount < SOCKET_HIGH_WATER;
    },
    drained: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          tcp.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        if (socket.readyState !== socket.OPEN || socket.bufferedAmount < SOCKET_HIGH_WATER) return resolve();
        tcp.once('drain', done);
        socket.once('close', done);
      }),
  };
}
