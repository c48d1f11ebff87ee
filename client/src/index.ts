export { createCloudClient } from './cloud-client.ts';
export type { CloudClient, CloudClientOptions, FetchLike, Problem } from './cloud-client.ts';
export type { components, operations, paths } from './openapi-types.ts';
