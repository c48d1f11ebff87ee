import { fileURLToPath } from 'node:url';
import { openApiDocument } from '@lounge/cloud';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';

/** The committed types; `npm run generate -w client` rewrites them. */
export const SCHEMA_FILE = fileURLToPath(new URL('../src/openapi-types.ts', import.meta.url));

const HEADER = `// Generated from the cloud's OpenAPI document (GET /openapi.json) by openapi-typescript.
// Do not edit: run \`npm run generate -w client\` after changing a route; a test fails until then.
`;

/** The types openapi-typescript makes of the cloud's current document, formatted like the tree. */
export async function generateSchema(): Promise<string> {
  const ast = await openapiTS(openApiDocument() as OpenAPI3, { alphabetize: false });
  const options = await resolveConfig(SCHEMA_FILE);
  return format(HEADER + astToString(ast), { ...options, filepath: SCHEMA_FILE });
}
