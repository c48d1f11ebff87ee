// Child of bench/rss.bench.ts: a real edge agent on a prepared data dir, alone in its process
// so its RSS can be read from /proc. Prints `ready <revocationSeq>` once started.
import { ManualClock } from '@lounge/shared';
import pino from 'pino';
import { createAgent, parseConfig } from '@lounge/edge-agent';
import { rawConfig } from '@lounge/edge-agent/test-support';

const dir = process.argv[2];
if (!dir) throw new Error('usage: rss-child.ts DIR');
// An unreachable cloud: the agent runs offline on what is cached, as in a lounge.
const { config } = parseConfig(rawConfig(dir, 'http://127.0.0.1:9'), dir);
const agent = createAgent(config, {
  log: pino({ level: 'silent' }),
  clock: new ManualClock(Date.now()),
  defaultMetrics: false,
});
await agent.start();
// Touch the revocation table the way a decision does.
agent.state.invitations.stateOf('inv_01JD0000000000000000000000');
console.log(`ready ${agent.state.invitations.revocationSeq()}`);
process.on('SIGTERM', () => void agent.stop().then(() => process.exit(0)));
