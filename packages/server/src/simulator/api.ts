/** The simulator's only way to the server: GraphQL over HTTP with an API key, like any switch. */

/** The server did not answer at all (refused, reset, DNS): the run cannot go on. */
export class ServerUnreachableError extends Error {
  constructor(url: string, cause: unknown) {
    super(`the server at ${url} is unreachable: ${(cause as Error)?.message ?? String(cause)}${causeCode(cause)}`);
  }
}

/** The API answered with errors; the message carries their codes and fields. */
export class ApiError extends Error {
  constructor(
    readonly operation: string,
    readonly errors: { message: string; extensions?: { code?: string; field?: string | null } }[],
  ) {
    super(`${operation}: ${errors.map((e) => `${e.message}${e.extensions?.code ? ` [${e.extensions.code}${e.extensions.field ? ` ${e.extensions.field}` : ''}]` : ''}`).join('; ')}`);
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

const causeCode = (err: unknown) => {
  const code = ((err as { cause?: { code?: string } })?.cause)?.code;
  return code ? ` (${code})` : '';
};

export type Gql = <T = any>(operation: string, query: string, variables?: Record<string, unknown>) => Promise<T>;

/** A client for one key: resolves with `data`, rejects with ApiError or ServerUnreachableError. */
export function graphqlClient(baseUrl: string, key: string): Gql {
  const endpoint = `${baseUrl.replace(/\/+$/, '')}/graphql`;
  return async (operation, query, variables = {}) => {
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
    } catch (err) {
      throw new ServerUnreachableError(baseUrl, err);
    }
    const text = await res.text();
    let body: { data?: any; errors?: ApiError['errors'] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError(operation, [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}` }]);
    }
    if (body.errors?.length) throw new ApiError(operation, body.errors);
    if (!body.data) throw new ApiError(operation, [{ message: `HTTP ${res.status} without data` }]);
    return body.data as any;
  };
}
