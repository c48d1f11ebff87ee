/**
 * The cloud instance's MQTT client id: the key of its persistent session (SPEC.md 6, "each
 * cloud instance connects with its own client id"). Events the broker holds for this
 * instance (unacknowledged, or queued while it was away) come back only to a client that
 * logs in with the same id, so the id must survive a restart of the same instance and differ
 * between instances: `MQTT_CLIENT_ID` when set, else the host name and the HTTP port (two
 * instances on one host cannot share a port). `PORT=0` (tests) names no instance: the pid
 * and a random suffix make it unique, and such an instance has no session to come back to.
 */
export function cloudClientId(o: {
  configured: string | undefined;
  hostname: string;
  port: number;
  pid: number;
  random: string;
}): string {
  if (o.configured) return o.configured;
  const host = o.hostname.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40);
  const rest = o.port !== 0 ? String(o.port) : `${o.pid}-${o.random.replace(/[^A-Za-z0-9]/g, '')}`;
  return `lounge-cloud-${host}-${rest}`;
}
