import { Client, fetchExchange, type CombinedError } from '@urql/core';
import { computed, reactive, readonly } from 'vue';
import { authHeader } from '../client';
import { ViewerQuery, type Role, type Viewer } from '../graphql/viewer';

const STORAGE_KEY = 'callplane.apiKey';

const state = reactive({
  key: sessionStorage.getItem(STORAGE_KEY),
  viewer: null as Viewer | null,
});

export class KeyRejectedError extends Error {}

/** What the user reads when a key is refused or the server cannot be asked. */
export function describeAuthError(error: CombinedError): Error {
  if (error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED'))
    return new KeyRejectedError('This key is unknown, revoked or expired.');
  if (error.networkError) return new Error(`The server could not be reached (${error.networkError.message}).`);
  return new Error(error.graphQLErrors[0]?.message ?? error.message);
}

/** Asks the server who a key is, with a throwaway client (the session's client needs a verified key). */
async function identify(key: string): Promise<Viewer> {
  const probe = new Client({ url: '/graphql', exchanges: [fetchExchange], fetchOptions: { headers: authHeader(key) } });
  const result = await probe.query(ViewerQuery, {}, { requestPolicy: 'network-only' }).toPromise();
  if (result.error) throw describeAuthError(result.error);
  if (!result.data) throw new Error('The server sent no answer.');
  return result.data.viewer;
}

/** The signed-in API key: kept in sessionStorage, so it ends with the browser tab. */
export function useSession() {
  async function login(rawKey: string): Promise<Viewer> {
    const key = rawKey.trim().replace(/^Bearer\s+/i, '');
    if (!key) throw new KeyRejectedError('Paste an API key first.');
    const viewer = await identify(key);
    sessionStorage.setItem(STORAGE_KEY, key);
    Object.assign(state, { key, viewer });
    return viewer;
  }

  /** After a reload the key is still stored but unverified: ask the server again. */
  async function restore(): Promise<Viewer | null> {
    if (state.viewer || !state.key) return state.viewer;
    try {
      state.viewer = await identify(state.key);
    } catch (err) {
      if (err instanceof KeyRejectedError) logout();
      throw err;
    }
    return state.viewer;
  }

  function logout() {
    sessionStorage.removeItem(STORAGE_KEY);
    Object.assign(state, { key: null, viewer: null });
  }

  const role = computed<Role | null>(() => state.viewer?.role ?? null);
  const can = (roles: readonly Role[]) => !!role.value && roles.includes(role.value);

  return { session: readonly(state), role, can, login, restore, logout };
}
