import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@lounge/shared';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProcess, type SpawnedProcess } from '@lounge/test-helpers/process';
import { startStandIns, type StandIns } from '@lounge/test-helpers/stand-ins';
import { openEdgeState } from '../../src/state/index.ts';
import {
  API_TOKEN,
  makeSigner,
  rawConfig,
  startFakeCloud,
  tempDir,
  type Signer,
} from '../integration/fixtures.ts';

// The desk console in Debian's chromium (playwright-core, no browser download) over a real
// lounge-edge process with an IBDP stand-in (SPEC.md 8 "Desk console").
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EDGE = join(ROOT, 'edge-agent/bin/lounge-edge.js');
const PROVISION = join(ROOT, 'provisioning/bin/lounge-provision.js');
const SCREENSHOT = join(ROOT, 'docs/desk-console.png');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const tmp = tempDir();
let ibdp: StandIns;
let cloud: Awaited<ReturnType<typeof startFakeCloud>>;
let signer: Signer;
let edge: SpawnedProcess;
let browser: Browser;
let consoleUrl: string;
let apiUrl: string;

const CAPACITY = 50;

const urlOf = (line: string) => (JSON.parse(line) as { url: string }).url;

beforeAll(async () => {
  signer = await makeSigner();
  cloud = await startFakeCloud([signer.publicJwk], systemClock);
  ibdp = await startStandIns();
  const config = join(tmp.dir, 'config.json');
  const raw = rawConfig(tmp.dir, cloud.url, {
    ibdp: { url: ibdp.urls.ibdp, token: '' },
    scanners: [],
  });
  writeFileSync(config, JSON.stringify(raw));
  // The lounge config as the cloud would have sent it (kept in edge SQLite): capacity 50.
  const seeded = openEdgeState({ dataDir: join(tmp.dir, raw.dataDir) });
  seeded.occupancy.saveConfig({
    capacity: CAPACITY,
    hours: null,
    timezone: 'Europe/Madrid',
    updatedAt: new Date().toISOString(),
  });
  seeded.close();
  const provision = async (args: string[], input?: string) => {
    const p = await spawnProcess(process.execPath, [PROVISION, ...args], { killOnTestEnd: false });
    if (input !== undefined) p.child.stdin!.end(input);
    else p.child.stdin!.end();
    expect(await p.exited, p.stderrLines.join('\n')).toBe(0);
  };
  await provision(['console', '--config', config, '--host', '127.0.0.1', '--port', '0']).catch(
    // Port 0 is not a port a technician configures: write the block directly then.
    () =>
      writeFileSync(config, JSON.stringify({ ...raw, console: { host: '127.0.0.1', port: 0 } })),
  );
  await provision(['add-staff', '--config', config, '--name', 'ana'], '123456\n');
  edge = await spawnProcess(process.execPath, [EDGE, '--config', config], {
    readyLine: /lounge-edge started/,
    timeoutMs: 30_000,
    killOnTestEnd: false,
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  apiUrl = urlOf(await edge.waitForLine(/lounge-edge started/));
  consoleUrl = urlOf(await edge.waitForLine(/desk console started/));
  mkdirSync(join(tmp.dir, 'chromium'));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

afterAll(async () => {
  await browser?.close();
  await edge?.kill();
  await ibdp?.close();
  await cloud?.close();
  tmp.cleanup();
});

const scan = async (code: string, gate = 'gate1') => {
  const res = await fetch(`${apiUrl}/v1/scan`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code, gate }),
  });
  return (await res.json()) as { eventId: string; decision: string };
};

async function signIn(page: Page, name = 'ana', pin = '123456') {
  await page.getByLabel(/Name|Nombre/).fill(name);
  await page.getByLabel('PIN').fill(pin);
  await page.keyboard.press('Enter');
}

describe('desk console in a real browser', () => {
  let page: Page;

  it('signs in; the first load stays under 100 KB, all from the box', async () => {
    const context = await browser.newContext({
      locale: 'en-GB',
      viewport: { width: 1024, height: 768 },
    });
    page = await context.newPage();
    let bytes = 0;
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(consoleUrl) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    page.on('requestfinished', (r) => {
      void r.sizes().then((s) => (bytes += s.responseBodySize + s.responseHeadersSize));
    });
    await page.goto(consoleUrl);
    await signIn(page);
    await page.getByRole('log', { name: 'Decisions' }).waitFor();
    await page.waitForSelector('html[data-live="1"]');
    await page.waitForTimeout(100); // the last sizes() promises settle
    console.log(`desk console first load (sign-in page + screen): ${bytes} bytes`);
    expect(bytes).toBeGreaterThan(1000);
    expect(bytes).toBeLessThan(100_000);
    expect(foreign).toEqual([]);
  });

  it('shows a /v1/scan decision in the log region within 1 s', async () => {
    const code = await signer.token(systemClock, { gst: 1 });
    const started = Date.now();
    const d = await scan(code);
    expect(d.decision).toBe('grant');
    const row = page.getByRole('log', { name: 'Decisions' }).locator(`#r-${d.eventId}`);
    await row.waitFor({ timeout: 1000 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await row.textContent()).toMatch(/Granted[\s\S]*Valid invitation/);
  });

  it('annuls a grant from the page with the keyboard', async () => {
    const d = await scan(await signer.token(systemClock, { gst: 0 }));
    const row = page.locator(`#r-${d.eventId}`);
    await row.waitFor({ timeout: 1000 });
    await row.getByRole('button', { name: /Annul/ }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText('Entry annulled: 1 given back.').waitFor();
    await page.waitForSelector(`#r-${d.eventId}.annulled`);
  });

  it('checks a code typed like a desk scanner, consuming nothing', async () => {
    const code = await signer.token(systemClock, { ent: 2 });
    await page.getByLabel(/Code/).focus();
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
    await page
      .getByRole('status')
      .getByText(/Would be let in/)
      .waitFor();
    expect(await page.getByRole('status').textContent()).toMatch(/Entries left:\s*2/);
    expect((await scan(code)).decision).toBe('grant');
    await scan('not-a-code', 'gate2');
  });

  it('admits a party by hand with a reason; IBDP gets it with the staff name', async () => {
    await page.getByLabel('People in the party').fill('3');
    await page.getByLabel('Reason (required)').first().fill('Flight IB3166 delayed, crew');
    await page.getByRole('button', { name: 'Admit', exact: true }).click();
    await page.getByRole('status').getByText('Admitted 3 by hand.').waitFor();
    await page
      .getByRole('log', { name: 'Decisions' })
      .getByText('Admitted by hand')
      .first()
      .waitFor({ timeout: 1000 });
    await ibdp.waitFor(
      () =>
        ibdp
          .ibdpRecords('access-logs')
          .some((r) => (r as { reason?: string; staff?: string }).reason === 'OVERRIDE'),
      15_000,
    );
    const record = ibdp
      .ibdpRecords('access-logs')
      .find((r) => (r as { reason?: string }).reason === 'OVERRIDE');
    expect(record).toMatchObject({ decision: 'grant', invitationId: null, admit: 3, staff: 'ana' });
    await page.getByRole('status').getByText('Admitted 3 by hand.').waitFor();
    await page.waitForTimeout(300); // the status panel refresh
    await page.getByLabel(/Code/).focus();
    await page.screenshot({ path: SCREENSHOT });
  });

  it('fits a tablet held upright without sideways scrolling', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    expect(await page.evaluate('document.documentElement.scrollWidth <= innerWidth')).toBe(true);
  });

  it('serves the Spanish page to a Spanish browser', async () => {
    const context = await browser.newContext({ locale: 'es-ES' });
    const es = await context.newPage();
    await es.goto(consoleUrl);
    await es.getByRole('heading', { name: 'Mostrador de la sala' }).waitFor();
    await signIn(es);
    await es
      .getByRole('log', { name: 'Decisiones' })
      .getByText('Admitido a mano')
      .first()
      .waitFor();
    await es.getByRole('link', { name: 'English' }).click();
    await es.getByRole('log', { name: 'Decisions' }).waitFor();
    await context.close();
  });

  it('locks a name after 5 wrong PINs', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    const p = await context.newPage();
    await p.goto(consoleUrl);
    for (let i = 0; i < 4; i++) {
      await signIn(p, 'ana', '000000');
      await p.getByRole('alert').getByText('Wrong name or PIN.').waitFor();
    }
    await signIn(p, 'ana', '000000');
    await p
      .getByRole('alert')
      .getByText(/locked until/)
      .waitFor();
    await signIn(p, 'ana', '123456');
    await p
      .getByRole('alert')
      .getByText(/locked until/)
      .waitFor();
    expect(await p.getByRole('log').count()).toBe(0);
    await context.close();
  });

  it('refuses LOUNGE_FULL once capacity is reached; the desk override admits', async () => {
    // Fill the lounge (capacity 50, seeded before start) with a staff correction.
    await page.getByLabel(/People to add/).fill(String(CAPACITY));
    await page
      .getByRole('region', { name: 'Correct the inside count' })
      .getByLabel('Reason (required)')
      .fill('Tour group counted by hand');
    await page.getByRole('button', { name: 'Correct', exact: true }).click();
    await page.getByRole('status').getByText(`Inside count corrected by +${CAPACITY}.`).waitFor();
    const code = await signer.token(systemClock, { gst: 0 });
    await page.getByLabel(/Code/).fill(code);
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    const result = page.getByRole('status');
    await result.getByText(/Would be refused/).waitFor();
    expect(await result.textContent()).toMatch(/Lounge full/);
    await result.getByLabel('Reason (required)').fill('Connecting passenger, manager agreed');
    await result.getByRole('button', { name: 'Admit over capacity' }).click();
    await result.getByText('Admitted 1 over capacity.').waitFor();
    await ibdp.waitFor(
      () =>
        ibdp
          .ibdpRecords('access-logs')
          .some(
            (r) =>
              (r as { reason?: string; invitationId?: string | null }).reason === 'OVERRIDE' &&
              (r as { invitationId?: string | null }).invitationId !== null,
          ),
      15_000,
    );
    // The override consumed the code's entry: a scan now is refused for that, not for capacity.
    expect((await scan(code)).decision).toBe('deny');
  });
});
