// The applications module's entry: N3 (applying, review, allocation, order, activation) and N6
// (the handler's materials of 400 numbers), one file per step.
export { REVIEW_DECISIONS, type ReviewDecision } from '../qualifications/qualifications.service.js';
export * from './applications.status.js';
export * from './applications.apply.js';
export * from './applications.review.js';
export * from './applications.allocation.js';
export * from './applications.materials.js';
export * from './applications.queries.js';
