import { logFormatFor, prettyDestination, type LogFormat } from '@lounge/shared';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { EdgeConfig } from '../config.ts';

/**
 * The agent's logger on stdout: level and format from the environment (`LOG_LEVEL`,
 * `LOG_FORMAT`), else the config's `log`, else info and pretty on a terminal / JSON elsewhere.
 */
export function createEdgeLogger(
  config: EdgeConfig,
  env: NodeJS.ProcessEnv,
  out: NodeJS.WriteStream = process.stdout,
): Logger {
  const level = env.LOG_LEVEL || config.log.level || 'info';
  const wanted = env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty' ? env.LOG_FORMAT : null;
  const format: LogFormat = logFormatFor(wanted ?? config.log.format, out.isTTY === true);
  if (format === 'json') {
    const base = { service: 'lounge-edge', deviceId: config.deviceId, loungeId: config.loungeId };
    return pino({ level, base });
  }
  // On a terminal the box's ids are said once, in the first line, not on every line.
  return pino(
    { level, base: null },
    prettyDestination((line) => out.write(line)),
  );
}

/** A URL without its password. */
const withoutSecrets = (url: string): string => {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
};

/**
 * The first log line: where the agent listens, its database, broker and integrations, and
 * its scanners (no tokens or passwords).
 */
export function edgeStartupSummary(config: EdgeConfig, configPath: string) {
  const host = config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host;
  return {
    deviceId: config.deviceId,
    loungeId: config.loungeId,
    config: configPath,
    listen: `http://${host}:${config.api.port}`,
    database: join(config.dataDir, 'edge.db'),
    cloud: config.cloudUrl,
    broker: config.mqtt ? withoutSecrets(config.mqtt.url) : 'none (no sync: decides offline)',
    ibdp: config.ibdp ? withoutSecrets(config.ibdp.url) : 'none (records stay pending)',
    turnstile: config.turnstile.webhookUrl ?? 'none',
    scanners: config.scanners.length
      ? config.scanners.map((s) => `${s.id}:${s.type}`).join(',')
      : 'none',
  };
}
