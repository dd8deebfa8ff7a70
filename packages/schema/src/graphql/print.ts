import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { schema } from './schema.js';

/** Writes packages/schema/schema.graphql; a test fails when the committed file is stale. */
export const schemaFile = fileURLToPath(new URL('../../schema.graphql', import.meta.url));
export const printedSchema = () => printSchema(schema) + '\n';

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(schemaFile, printedSchema());
  console.log(`wrote ${schemaFile}`);
}
