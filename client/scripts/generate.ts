import { writeFile } from 'node:fs/promises';
import { generateSchema, SCHEMA_FILE } from './schema-source.ts';

// `npm run generate -w client`: rewrites src/openapi-types.ts from the cloud's route schemas.
await writeFile(SCHEMA_FILE, await generateSchema());
console.log(`wrote ${SCHEMA_FILE}`);
