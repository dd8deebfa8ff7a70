import { ref } from 'vue';
import { authHeader } from '../client';
import { useSession } from './useSession';

/** Documents are behind the same key as the API, so they are fetched with it and saved from a blob. */
export function useDocumentDownload() {
  const { session } = useSession();
  const busy = ref<string | null>(null);
  const error = ref<string | null>(null);

  async function download(url: string, fileName: string) {
    busy.value = url;
    error.value = null;
    try {
      const res = await fetch(url, { headers: session.key ? authHeader(session.key) : {} });
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        throw new Error(body?.errors?.[0]?.message ?? `download failed (HTTP ${res.status})`);
      }
      const href = URL.createObjectURL(await res.blob());
      const a = Object.assign(document.createElement('a'), { href, download: fileName });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
    } catch (err) {
      error.value = `${fileName}: ${(err as Error).message}`;
    } finally {
      busy.value = null;
    }
  }

  return { download, busy, error };
}
