import type { Route } from '../http/routes.js';
import { documentDownloadRoute } from './documents.js';

/** Plain-HTTP routes of every module (downloads, exports). */
export const routes: Route[] = [documentDownloadRoute];
