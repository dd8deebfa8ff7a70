import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

/** In development the API runs on :4000 (`pnpm start`); the built dashboard is served by the server itself. */
const api = 'http://localhost:4000';

export default defineConfig({
  plugins: [vue()],
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/documents': { target: api, changeOrigin: true },
      '/exports': { target: api, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // The timing warning only reports a busy machine (the build is ~1 s when idle).
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
