// A real edge process for the kill -9 test: the agent (decision path, local API) plus the
// IBDP uploader on its database. Usage: upload-child.ts DIR CLOUD_URL IBDP_URL IBDP_TOKEN
import pino from 'pino';
import { createAgent } from '../../src/agent.ts';
import { parseConfig } from '../../src/config.ts';
import { IbdpUploader } from '../../src/upload/index.ts';
import { rawConfig } from './fixtures.ts';

const [dir, cloudUrl, ibdpUrl, token] = process.argv.slice(2) as [string, string, string, string];
const { config } = parseConfig(rawConfig(dir, cloudUrl), dir);
const log = pino({ level: 'silent' });
const agent = createAgent(config, { log, defaultMetrics: false });
const uploader = new IbdpUploader({
  db: agent.state.db,
  ibdp: { url: ibdpUrl, token },
  fetch: (url, init) => fetch(url, init),
  log,
  idleMs: 100,
  backoff: { baseMs: 50, maxMs: 200 },
});
const { url } = await agent.start();
uploader.start();
console.log(`READY ${url}`);
