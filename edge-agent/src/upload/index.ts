export { IbdpUploader } from './uploader.ts';
export type { UploaderOptions, UploadStatus } from './uploader.ts';
export { UploadQueue, MAX_BATCH } from './queue.ts';
export type { Batch } from './queue.ts';
export { IbdpClient, toNdjson } from './ibdp-client.ts';
export type { SendResult } from './ibdp-client.ts';
