/**
 * The V8 flags the server runs with (`pnpm start`, and the benchmarks, which start it the same
 * way). A call-event report of 500 items allocates tens of megabytes that live for one request:
 * with V8's default young generation (16 MB semi-spaces) much of it survived two scavenges and was
 * promoted, then collected by full mark-compacts. 64 MB semi-spaces let it die young: ~10 % less
 * server CPU per reported event (`pnpm bench ingest`), for up to ~100 MB more young generation at
 * peak. The root package.json's `start` passes these (a test keeps the two the same).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=64'] as const;
