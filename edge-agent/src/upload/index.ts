export { IbdpUploader } from './uploader.ts';
export type { UploaderOptions } from './uploader.ts';
export {
  STUCK_AFTER_MS,
  isRefusal,
  pendingAgeMs,
  readUploadHealth,
  uploadProblem,
} from './upload-health.ts';
export type { UploadError, UploadHealth } from './upload-health.ts';
export { registerUploadHealthMetrics } from './metrics.ts';
export { IbdpClient, toNdjson } from './ibdp-client.ts';
export type { SendResult } from './ibdp-client.ts';
