import type { Route } from '../http/routes.js';
import { documentDownloadRoute } from './documents.js';
import { numbersExportRoute, ordersExportRoute } from './exports.js';

/** Plain-HTTP routes of every module (downloads, exports). */
export const routes: Route[] = [documentDownloadRoute, numbersExportRoute, ordersExportRoute];
