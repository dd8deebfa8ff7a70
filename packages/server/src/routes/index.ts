import type { Route } from '../http/routes.js';
import { documentDownloadRoute } from './documents.js';
import { numbersExportRoute, ordersExportRoute } from './exports.js';
import { cdrsExportRoute, recordingDownloadRoute } from './cdrs.js';
import { statementExportRoute } from './statements.js';

/** Plain-HTTP routes of every module (downloads, exports). */
export const routes: Route[] = [documentDownloadRoute, numbersExportRoute, ordersExportRoute, cdrsExportRoute, recordingDownloadRoute, statementExportRoute];
