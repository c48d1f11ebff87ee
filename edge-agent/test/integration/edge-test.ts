import { createHash } from 'node:crypto';
import { ManualClock } from '@lounge/shared';
import { test } from 'vitest';
import type { AgentDeps } from '../../src/agent.ts';
import {
  fakeScanners,
  makeSigner,
  startAgent,
  startFakeCloud,
  startWebhookReceiver,
  tempDir,
} from './fixtures.ts';

/** What a file may set about its agent (`edgeTest.override('setup', { scope: 'file' }, …)`). */
export interface EdgeSetup {
  /** Scanner ids, driven by the test through `scanners.handle.events` (fake drivers). */
  scanners?: string[];
  /** Send scanner decisions to the `webhook` receiver. */
  webhook?: boolean;
  /** More config keys (as in the JSON file). */
  extra?: Record<string, unknown>;
  deps?: AgentDeps;
}

/**
 * The edge integration test: a running agent on a manual clock, its stand-in cloud serving the
 * signer's key, fake scanners and a webhook receiver. Everything is set up once per file, for
 * the first test that asks for it, and stopped after the file's last test, as the suites'
 * `beforeAll`/`afterAll` did: tests of a file share one agent (and its consumption).
 */
export const edgeTest = test
  .extend('clock', { scope: 'file' }, () => new ManualClock())
  .extend('signer', { scope: 'file' }, () => makeSigner())
  .extend('cloud', { scope: 'file' }, async ({ clock, signer }, { onCleanup }) => {
    const cloud = await startFakeCloud([signer.publicJwk], clock);
    onCleanup(() => cloud.close());
    return cloud;
  })
  .extend('scanners', { scope: 'file' }, () => fakeScanners())
  // Vitest reads what a fixture uses from this pattern: an empty one says "nothing".
  // eslint-disable-next-line no-empty-pattern
  .extend('webhook', { scope: 'file' }, async ({}, { onCleanup }) => {
    const hook = await startWebhookReceiver();
    onCleanup(() => hook.close());
    return hook;
  })
  .extend('setup', { scope: 'file' }, {} as EdgeSetup)
  .extend(
    'edge',
    { scope: 'file' },
    async ({ clock, cloud, scanners, webhook, setup }, { onCleanup }) => {
      const tmp = tempDir();
      const edge = await startAgent(tmp.dir, cloud.url, {
        clock,
        extra: {
          ...(setup.scanners && {
            scanners: setup.scanners.map((id) => ({ id, type: 'stdin' })),
          }),
          ...(setup.webhook && { turnstile: { webhookUrl: webhook.url } }),
          ...setup.extra,
        },
        deps: { ...(setup.scanners && { createScanners: scanners.factory }), ...setup.deps },
      });
      onCleanup(async () => {
        await edge.stop();
        tmp.cleanup();
      });
      return edge;
    },
  )
  /** A read of `code` on fake scanner `scannerId`, now. */
  .extend('read', ({ scanners, clock }) => (scannerId: string, code: string) => {
    scanners.handle.events!.onScan({ scannerId, code, receivedAt: clock.now() });
  })
  /** The access-log rows of one code, oldest first. */
  .extend('rowsOf', ({ edge }) => (code: string) => {
    const hash = createHash('sha256').update(code).digest('hex');
    return edge.agent.state.accessLog
      .recent(1000)
      .filter((r) => r.codeSha256 === hash)
      .reverse();
  });
