import type { CloudConfig } from './config.ts';

/** A URL without its password (PostgreSQL and broker URLs may carry one). */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '';
    return parsed.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1@');
  }
}

/**
 * What the first log line of `lounge-cloud serve` says (issue "logs a person can read"): where
 * it listens, which database, which broker and which integrations, secrets left out.
 */
export function startupSummary(config: CloudConfig): Record<string, string> {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const integrations = config.integrations
    ? Object.entries(config.integrations)
        .map(([name, u]) => `${name}=${withoutPassword(u.url)}`)
        .join(' ')
    : 'stub (in-process stand-ins; demo and tests only)';
  return {
    listen: `http://${host}:${config.port}`,
    publicUrl: config.publicUrl,
    database: withoutPassword(config.databaseUrl),
    broker: config.mqtt.url
      ? withoutPassword(config.mqtt.url)
      : `embedded on ${host}:${config.mqtt.port}`,
    integrations,
  };
}
