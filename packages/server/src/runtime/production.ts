// Imported first by main.ts, before graphql-js is loaded: graphql-js picks its mode when it loads,
// and outside production it runs development checks on every failed `instanceof` (4–6 % of the
// request path's CPU in `pnpm bench http --profile`). A NODE_ENV that is set (e.g. `test` under
// vitest) is kept.
process.env.NODE_ENV ??= 'production';
