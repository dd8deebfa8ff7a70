export * from './app.js';
export * from './config.js';
export * from './database/migrate.js';
export { createLogger } from './logger.js';
