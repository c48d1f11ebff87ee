import type { Clock } from '@lounge/shared';
import type { CloudStore } from '../port.ts';
import { PRUNE_EVERY_MS, throttle } from '../common.ts';
import { deviceFromRow, enrollmentTokenFromRow, type SqlValue } from '../rows.ts';
import type { SqliteDb } from './connection.ts';
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

/** Enrolment tokens, devices and assertion replay protection on SQLite. */
export function sqliteDevices(db: SqliteDb, clock: Clock): Devices {
  const pruneDue = throttle(PRUNE_EVERY_MS);
  return {
    async insertEnrollmentToken(t) {
      db.run(
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
      const row = db.get('SELECT * FROM enrollment_tokens WHERE id = ?', id);
      return row ? enrollmentTokenFromRow(row) : null;
    },
    async enrollDevice(tokenId, d, now) {
      return db.tx(() => {
        const took = db.run(
          `UPDATE enrollment_tokens SET used_at = ?, used_by_device = ?
           WHERE id = ? AND used_at IS NULL`,
          now,
          d.deviceId,
          tokenId,
        );
        if (took === 0) return 'used' as const;
        db.run(
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
          d.online ? 1 : 0,
          d.revocationSeq,
          d.decommissionedAt,
        );
        return 'ok' as const;
      });
    },
    async findDevice(deviceId) {
      const row = db.get('SELECT * FROM devices WHERE device_id = ?', deviceId);
      return row ? deviceFromRow(row) : null;
    },
    async listDevices() {
      return db.all('SELECT * FROM devices ORDER BY enrolled_at, device_id').map(deviceFromRow);
    },
    async updateDeviceStatus(deviceId, patch) {
      const sets: [string, SqlValue][] = [];
      if (patch.online !== undefined) sets.push(['online', patch.online ? 1 : 0]);
      if (patch.lastSeenAt !== undefined) sets.push(['last_seen_at', patch.lastSeenAt]);
      if (patch.revocationSeq !== undefined) sets.push(['revocation_seq', patch.revocationSeq]);
      if (sets.length === 0) return;
      const columns = sets.map(([column]) => `${column} = ?`).join(', ');
      db.run(
        `UPDATE devices SET ${columns} WHERE device_id = ?`,
        ...sets.map(([, v]) => v),
        deviceId,
      );
    },
    async recordDeviceStatus(deviceId, status) {
      if (!status.online) {
        return (
          db.run(
            `UPDATE devices SET online = 0
             WHERE device_id = ? AND decommissioned_at IS NULL AND online = 1`,
            deviceId,
          ) > 0
        );
      }
      const at = status.heartbeatAt;
      const changed = db.run(
        `UPDATE devices SET online = 1, heartbeat = ?,
           heartbeat_at = CASE WHEN heartbeat_at IS NULL OR heartbeat_at < ? THEN ?
             ELSE heartbeat_at END,
           last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < ? THEN ?
             ELSE last_seen_at END,
           revocation_seq = COALESCE(?, revocation_seq)
         WHERE device_id = ? AND decommissioned_at IS NULL AND heartbeat IS NOT ?`,
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
      return db.tx(() => {
        const row = db.get(
          `UPDATE devices SET decommissioned_at = COALESCE(decommissioned_at, ?), online = 0
           WHERE device_id = ? RETURNING *`,
          now,
          deviceId,
        );
        if (!row) return null;
        insertOutbox(db, outbox);
        return deviceFromRow(row);
      });
    },
    async replaceDeviceKey(deviceId, publicJwk) {
      db.run('UPDATE devices SET public_jwk = ? WHERE device_id = ?', publicJwk, deviceId);
    },
    async rememberAssertionJti(deviceId, jti, expiresAt) {
      const now = clock.now();
      if (pruneDue(now)) db.run('DELETE FROM assertion_jtis WHERE expires_at < ?', now);
      const inserted = db.run(
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
