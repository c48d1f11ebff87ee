import { columnTypes, type Migration } from './types.ts';

/**
 * The fleet view (SPEC.md 5, 6): each device's last full heartbeat (the JSON the box sent),
 * beside `online`, and when the cloud took it (`stale` is no heartbeat for 3 min). One
 * UPDATE per heartbeat writes both (docs/cloud-store.md).
 */
export const deviceHeartbeat: Migration = {
  id: 8,
  name: 'device-heartbeat',
  up(dialect) {
    const { ms } = columnTypes(dialect);
    return [
      `ALTER TABLE devices ADD COLUMN heartbeat TEXT`,
      `ALTER TABLE devices ADD COLUMN heartbeat_at ${ms}`,
    ];
  },
};
