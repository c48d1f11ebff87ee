import { describe, expect } from 'vitest';
import { metricValue } from './fixtures.ts';
import { edgeTest } from './edge-test.ts';

// SPEC.md 8: a scanner double read (same code, same scanner, within 1.5 s of its previous
// read, the window sliding) is dropped before any decision: no decision, event, webhook or
// log row; counted in /metrics. API scans are never filtered.
edgeTest.override('setup', { scope: 'file' }, { scanners: ['gate1', 'gate2'], webhook: true });

describe('scanner double reads', () => {
  const settle = () => new Promise((r) => setTimeout(r, 50));

  edgeTest(
    'decides a code left on the reader once, until it has been away for 1.5 s',
    async ({ edge, signer, clock, webhook, read, rowsOf }) => {
      const code = await signer.token(clock, { gst: 2 });
      const hooked = webhook.received.length;
      read('gate1', code);
      await expect.poll(() => rowsOf(code).length).toBe(1);
      // The phone stays on the reader: a read every second for 10 s, all dropped.
      for (let i = 0; i < 10; i++) {
        clock.advance(1000);
        read('gate1', code);
      }
      await settle();
      expect(rowsOf(code)).toMatchObject([{ decision: 'grant', admit: 3, gate: 'gate1' }]);
      await expect.poll(() => webhook.received.length).toBe(hooked + 1);
      expect(
        await metricValue(edge, /lounge_edge_scanner_double_reads_total\{scanner="gate1"\}/),
      ).toBe(10);
      expect(edge.agent.state.outbox.pendingCount()).toBe(1);

      // Away for more than 1.5 s, then read again: decided, and the code is used.
      clock.advance(1501);
      read('gate1', code);
      await expect.poll(() => rowsOf(code).length).toBe(2);
      expect(rowsOf(code)[1]).toMatchObject({ decision: 'deny', reason: 'ALREADY_USED' });
    },
  );

  edgeTest(
    'keeps scanners apart, and never filters API scans',
    async ({ edge, signer, clock, read, rowsOf }) => {
      const code = await signer.token(clock, { ent: 3 });
      read('gate1', code);
      read('gate2', code);
      await expect.poll(() => rowsOf(code).length).toBe(2);
      expect(await edge.scan(code, 'gate1')).toMatchObject({ decision: 'grant', entriesLeft: 0 });
      expect(await edge.scan(code, 'gate1')).toMatchObject({ reason: 'ALREADY_USED' });
      expect(rowsOf(code)).toHaveLength(4);
    },
  );
});
