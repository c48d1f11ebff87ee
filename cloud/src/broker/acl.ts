import { TOPICS } from '@lounge/shared';

/** Who is logged in to the broker: the cloud itself, or one enrolled device. */
export type BrokerLogin =
  { kind: 'cloud' } | { kind: 'device'; deviceId: string; loungeId: string };

/** The cloud topics every device reads (SPEC.md section 6). */
export const DEVICE_READABLE_TOPICS: readonly string[] = [
  TOPICS.revocations,
  TOPICS.revocationsHead,
  TOPICS.keys,
];

/**
 * A plain topic name: no wildcard (`+`, `#`), no `$` prefix (`$share/…`, `$SYS`, `$CONTROL`),
 * no NUL, not empty. Devices get exact topics only, so no filter can reach another lounge;
 * the edge agent subscribes to exact topics anyway.
 */
function isPlainTopic(topic: string): boolean {
  return (
    topic.length > 0 && !/[+#]/.test(topic) && !topic.includes('\u0000') && !topic.startsWith('$')
  );
}

/** Topics a device may subscribe to: the cloud topics and its own lounge's entries and config. */
export function deviceSubscribeTopics(login: { loungeId: string }): string[] {
  return [
    ...DEVICE_READABLE_TOPICS,
    TOPICS.loungeEntries(login.loungeId),
    TOPICS.loungeConfig(login.loungeId),
  ];
}

/** Topics a device may publish to: its lounge's entries and its own status. */
export function devicePublishTopics(login: { deviceId: string; loungeId: string }): string[] {
  return [TOPICS.loungeEntries(login.loungeId), TOPICS.deviceStatus(login.deviceId)];
}

/** Whether `login` may subscribe to the filter `filter` (the cloud may do everything). */
export function canSubscribe(login: BrokerLogin, filter: string): boolean {
  if (login.kind === 'cloud') return true;
  return isPlainTopic(filter) && deviceSubscribeTopics(login).includes(filter);
}

/** Whether `login` may publish to `topic` (the cloud may do everything). */
export function canPublish(login: BrokerLogin, topic: string): boolean {
  if (login.kind === 'cloud') return true;
  return isPlainTopic(topic) && devicePublishTopics(login).includes(topic);
}
