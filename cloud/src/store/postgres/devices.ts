import type { Clock } from '@lounge/shared';
import type { CloudStore } from '../port.ts';
import { PRUNE_EVERY_MS, throttle } from '../common.ts';
import { deviceFromRow, enrollmentTokenFromRow } from '../rows.ts';
import type { PgDb } from './connection.ts';
import { insertOutbox } from './records.ts';

type Devices = Pick<
  CloudStore,
  | 'insertEnrollmentToken'
  | 'findEnrollmentToken'
  | 'enrollDevice'
  | 'findDevice'
  | 'listDevices'
  | 'updateDeviceStatus'
  | 'recordDeviceStatus'
  | 'decommissionDevice'
  | 'replaceDeviceKey'
  | 'rememberAssertionJti'
>;

/** Enrolment tokens, devices and assertion replay protection on PostgreSQL. */
export function postgresDevices(db: PgDb, clock: Clock): Devices {
  const pruneDue = throttle(PRUNE_EVERY_MS);
  return {
    async insertEnrollmentToken(t) {
      await db.run(
        `INSERT INTO enrollment_tokens (id, hash, lounge_id, expires_at, used_at, used_by_device,
           created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        t.id,
        t.hash,
        t.loungeId,
        t.expiresAt,
        t.usedAt,
        t.usedByDevice,
        t.createdAt,
      );
    },
    async findEnrollmentToken(id) {
      const row = await db.get('SELECT * FROM enrollment_tokens WHERE id = ?', id);
      return row ? enrollmentTokenFromRow(row) : null;
    },
    async enrollDevice(tokenId, d, now) {
      return db.tx(async (c) => {
        // The row lock makes a concurrent enrolment wait, then find used_at set: `used`.
        const took = await c.run(
          `UPDATE enrollment_tokens SET used_at = ?, used_by_device = ?
           WHERE id = ? AND used_at IS NULL`,
          now,
          d.deviceId,
          tokenId,
        );
        if (took === 0) return 'used' as const;
        await c.run(
          `INSERT INTO devices (device_id, lounge_id, name, hardware, public_jwk, mqtt_password_hash,
             enrolled_at, last_seen_at, online, revocation_seq, decommissioned_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          d.deviceId,
          d.loungeId,
          d.name,
          d.hardware,
          d.publicJwk,
          d.mqttPasswordHash,
          d.enrolledAt,
          d.lastSeenAt,
          d.online,
          d.revocationSeq,
          d.decommissionedAt,
        );
        return 'ok' as const;
      });
    },
    async findDevice(deviceId) {
      const row = await db.get('SELECT * FROM devices WHERE device_id = ?', deviceId);
      return row ? deviceFromRow(row) : null;
    },
    async listDevices() {
      return (await db.all('SELECT * FROM devices ORDER BY enrolled_at, device_id')).map(
        deviceFromRow,
      );
    },
    async updateDeviceStatus(deviceId, patch) {
      const sets: [string, boolean | number][] = [];
      if (patch.online !== undefined) sets.push(['online', patch.online]);
      if (patch.lastSeenAt !== undefined) sets.push(['last_seen_at', patch.lastSeenAt]);
      if (patch.revocationSeq !== undefined) sets.push(['revocation_seq', patch.revocationSeq]);
      if (sets.length === 0) return;
      const columns = sets.map(([column]) => `${column} = ?`).join(', ');
      await db.run(
        `UPDATE devices SET ${columns} WHERE device_id = ?`,
        ...sets.map(([, v]) => v),
        deviceId,
      );
    },
    async recordDeviceStatus(deviceId, status) {
      if (!status.online) {
        return (
          (await db.run(
            `UPDATE devices SET online = false
             WHERE device_id = ? AND decommissioned_at IS NULL AND online = true`,
            deviceId,
          )) > 0
        );
      }
      const at = status.heartbeatAt;
      const changed = await db.run(
        `UPDATE devices SET online = true, heartbeat = ?,
           heartbeat_at = CASE WHEN heartbeat_at IS NULL OR heartbeat_at < ? THEN ?
             ELSE heartbeat_at END,
           last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < ? THEN ?
             ELSE last_seen_at END,
           revocation_seq = COALESCE(?, revocation_seq)
         WHERE device_id = ? AND decommissioned_at IS NULL AND heartbeat IS DISTINCT FROM ?`,
        status.heartbeat,
        at,
        at,
        at,
        at,
        status.revocationSeq ?? null,
        deviceId,
        status.heartbeat,
      );
      return changed > 0;
    },
    async decommissionDevice(deviceId, now, outbox = []) {
      return db.tx(async (c) => {
        const row = await c.get(
          `UPDATE devices SET decommissioned_at = COALESCE(decommissioned_at, ?), online = false
           WHERE device_id = ? RETURNING *`,
          now,
          deviceId,
        );
        if (!row) return null;
        await insertOutbox(c, outbox);
        return deviceFromRow(row);
      });
    },
    async replaceDeviceKey(deviceId, publicJwk) {
      await db.run('UPDATE devices SET public_jwk = ? WHERE device_id = ?', publicJwk, deviceId);
    },
    async rememberAssertionJti(deviceId, jti, expiresAt) {
      const now = clock.now();
      if (pruneDue(now)) await db.run('DELETE FROM assertion_jtis WHERE expires_at < ?', now);
      const inserted = await db.run(
        `INSERT INTO assertion_jtis (device_id, jti, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (device_id, jti) DO NOTHING`,
        deviceId,
        jti,
        expiresAt,
      );
      return inserted === 1;
    },
  };
}
