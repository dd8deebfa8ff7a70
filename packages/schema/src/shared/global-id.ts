// The API's global ids (the relay plugin's form: base64 of "Type:id") for code that must not load
// GraphQL: the worker's jobs build webhook bodies with them (test/runtime/modules.test.ts), the
// recording route and the simulator name rows with them.

/** The global id of row `id` of the Node type `typename`, as `node(id:)` takes it. */
export const globalId = (typename: string, id: string): string => Buffer.from(`${typename}:${id}`, 'utf8').toString('base64');
