import type { Route } from '../http/routes.js';

/** Plain-HTTP routes of every module (downloads, exports). */
export const routes: Route[] = [];
