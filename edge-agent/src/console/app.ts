import { ProblemError, type Clock } from '@lounge/shared';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Logger } from 'pino';
import { z } from 'zod';
import { SseHub } from '../api/sse-hub.ts';
import { ASSETS } from './assets.ts';
import { clockTime, startOfDay } from './day.ts';
import type { SafeHtml } from './html.ts';
import { fill, LANGS, pickLang, strings, type Lang } from './i18n.ts';
import { PinLockout } from './lockout.ts';
import {
  checkResult,
  dashboardPage,
  logRow,
  message,
  signInPage,
  statusPanel,
  type StatusView,
} from './page.ts';
import type { Activity, BoxView, DeskActions, LogRow } from './ports.ts';
import { csrfMatches, SESSION_TTL_MS, SessionStore, type Session } from './sessions.ts';
import { signIn, type StaffDirectory } from './sign-in.ts';

/** What the console needs from the agent (composition in agent.ts). */
export interface ConsoleDeps {
  clock: Clock;
  log: Logger;
  loungeId: string;
  desk: DeskActions;
  box: BoxView;
  staff: StaffDirectory;
  /** Sets `Secure` on cookies (the console is served over HTTPS). */
  secure: boolean;
  /** Registers for decisions and annulments; returns the unsubscribe. */
  subscribe(listener: (a: Activity) => void): () => void;
  sseKeepAliveMs?: number;
}

const SESSION_COOKIE = 'lounge_console';
const LANG_COOKIE = 'lounge_console_lang';
const ANNUL_WINDOW_MS = 5 * 60_000;
const ROWS_SHOWN = 100;
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer a browser posts forms with `Origin: null`.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
};

const EVENT_ID = /^evt_[0-9A-Za-z]{1,40}$/;
const reasonText = z.string().trim().min(3).max(200);
const forms = {
  check: z.object({ code: z.string().trim().min(1).max(4096) }),
  annul: z.object({ eventId: z.string().regex(EVENT_ID) }),
  override: z.object({ code: z.string().trim().min(1).max(4096), reason: reasonText }),
  admit: z.object({ party: z.coerce.number().int().min(1).max(100), reason: reasonText }),
  adjust: z.object({
    delta: z.coerce
      .number()
      .int()
      .min(-500)
      .max(500)
      .refine((n) => n !== 0, 'must not be 0'),
    reason: reasonText,
  }),
};

/** The console's HTTP app, and `close()` for its live streams. */
export interface ConsoleApp {
  app: Hono;
  close(): void;
}

/**
 * The desk console (SPEC.md 8 "Desk console"): server-rendered pages, a live log over SSE,
 * forms posted with a per-session CSRF token. Thin routes: sessions and lockout are the pure
 * modules beside this file, the work is the {@link DeskActions} port.
 */
export function createConsoleApp(deps: ConsoleDeps): ConsoleApp {
  const { clock, box, desk } = deps;
  const sessions = new SessionStore({ clock });
  const lockout = new PinLockout({ clock });
  const hubs = Object.fromEntries(LANGS.map((l) => [l, new SseHub(deps.sseKeepAliveMs)])) as Record<
    Lang,
    SseHub
  >;

  const toRow = (a: Activity): LogRow =>
    a.kind === 'decision'
      ? { ...a.decision, annulled: false }
      : {
          eventId: a.annulment.eventId,
          decidedAt: a.annulment.annulledAt,
          gate: a.annulment.gate,
          decision: 'deny',
          reason: 'ANNULLED',
          admit: 0,
          invitationId: a.annulment.invitationId,
          annuls: a.annulment.annuls,
          ...(a.annulment.staff !== undefined && { staff: a.annulment.staff }),
        };
  const unsubscribe = deps.subscribe((a) => {
    if (a.kind === 'decision' && a.decision.dryRun) return;
    const row = toRow(a);
    const tz = box.timeZone();
    for (const l of LANGS) {
      hubs[l].broadcast('row', logRow(row, l, tz, clock.now() - ANNUL_WINDOW_MS).value);
      if (a.kind === 'annul') hubs[l].broadcast('annulled', a.annulment.annuls);
    }
  });

  const langOf = (c: Context): Lang =>
    pickLang(getCookie(c, LANG_COOKIE), c.req.header('accept-language'));
  const isFetch = (c: Context) => c.req.header('x-requested-with') === 'fetch';
  const sessionOf = (c: Context): Session | undefined => {
    const s = sessions.get(getCookie(c, SESSION_COOKIE));
    // Removed with remove-staff since signing in: their sessions end now.
    if (s && !deps.staff.find(s.staff)) {
      sessions.destroyStaff(s.staff);
      return undefined;
    }
    return s;
  };
  const today = () => startOfDay(clock.now(), box.timeZone());
  const statusView = (): StatusView => ({
    occupancy: desk.occupancy(),
    counters: box.counters(today()),
    health: box.health(),
  });
  const page = (c: Context, s: Session, result?: SafeHtml, status = 200) =>
    c.html(
      dashboardPage(
        {
          lang: langOf(c),
          loungeId: deps.loungeId,
          staff: s.staff,
          csrf: s.csrf,
          timeZone: box.timeZone(),
          annulUntilMs: clock.now() - ANNUL_WINDOW_MS,
          rows: box.recent(today(), ROWS_SHOWN),
          status: statusView(),
          ...(result && { result }),
        },
        { css: ASSETS.css.path, js: ASSETS.js.path },
      ).value,
      status as 200,
    );
  /** An action's answer: a fragment for the page's script, else the whole page. */
  const answer = (c: Context, s: Session, result: SafeHtml, status = 200) =>
    isFetch(c) ? c.html(result.value, status as 200) : page(c, s, result, status);

  const app = new Hono<{ Variables: { session: Session } }>();
  app.use('*', async (c, next) => {
    await next();
    // Too late for the live log's stream, already on the wire: /events hands them to its hub.
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  });
  app.use('*', bodyLimit({ maxSize: 8 * 1024 }));
  // A cross-site POST is refused before anything else (the cookie is SameSite=Strict too).
  app.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    if (c.req.method === 'POST' && origin && origin !== new URL(c.req.url).origin) {
      return c.text('cross-site request refused', 403);
    }
    await next();
  });

  for (const a of [ASSETS.css, ASSETS.js]) {
    app.get(a.path, (c) =>
      c.body(a.body, 200, {
        'content-type': a.type,
        'cache-control': 'public, max-age=31536000, immutable',
      }),
    );
  }

  app.get('/', (c) => {
    const lang = c.req.query('lang');
    if (lang === 'es' || lang === 'en') {
      setCookie(c, LANG_COOKIE, lang, {
        path: '/',
        sameSite: 'Strict',
        secure: deps.secure,
        maxAge: 400 * 86_400,
      });
      return c.redirect('/', 303);
    }
    c.header('cache-control', 'no-store');
    const s = sessionOf(c);
    if (s) return page(c, s);
    return c.html(signInPage(langOf(c), deps.loungeId, assetPaths).value);
  });

  app.post('/login', async (c) => {
    const body = await c.req.parseBody();
    const name = typeof body.name === 'string' ? body.name : '';
    const pin = typeof body.pin === 'string' ? body.pin : '';
    const t = strings(langOf(c));
    const result = await signIn(deps.staff, lockout, name, pin);
    if (!result.ok) {
      deps.log.warn({ staff: name.slice(0, 64), reason: result.reason }, 'console sign-in refused');
      const error =
        result.reason === 'locked'
          ? fill(t.locked, { time: clockTime(result.until, box.timeZone()).slice(0, 5) })
          : t.wrongPin;
      return c.html(signInPage(langOf(c), deps.loungeId, assetPaths, error).value, 401);
    }
    const s = sessions.create(result.staff);
    setCookie(c, SESSION_COOKIE, s.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: deps.secure,
      maxAge: SESSION_TTL_MS / 1000,
    });
    deps.log.info({ staff: s.staff }, 'console sign-in');
    return c.redirect('/', 303);
  });

  // Everything below needs a session; posts also need its CSRF token.
  app.use('*', async (c, next) => {
    const s = sessionOf(c);
    if (!s) {
      if (c.req.method === 'GET' && !isFetch(c) && c.req.path !== '/events') {
        return c.redirect('/', 303);
      }
      return c.html(message(strings(langOf(c)).sessionOver, false).value, 401);
    }
    if (c.req.method === 'POST') {
      const header = c.req.header('x-csrf-token');
      const field = header ? undefined : (await c.req.parseBody()).csrf;
      if (!csrfMatches(s, header ?? (typeof field === 'string' ? field : undefined))) {
        return c.text('missing or wrong CSRF token', 403);
      }
    }
    c.set('session', s);
    await next();
  });

  app.post('/logout', (c) => {
    sessions.destroy(c.get('session').id);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: deps.secure });
    return c.redirect('/', 303);
  });

  app.get('/events', (c) => hubs[langOf(c)].handle(c, SECURITY_HEADERS));

  app.get('/status', (c) => {
    c.header('cache-control', 'no-store');
    return c.html(statusPanel(statusView(), langOf(c)).value);
  });

  /** Parses a posted form; a bad one answers 400 in words. */
  const form = async <T extends z.ZodType>(c: Context, schema: T) => {
    const parsed = schema.safeParse(await c.req.parseBody());
    if (parsed.success) return { ok: true as const, value: parsed.data as z.infer<T> };
    const issue = parsed.error.issues[0];
    const detail = `${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim();
    const t = strings(langOf(c));
    return { ok: false as const, html: message(fill(t.badInput, { detail }), false) };
  };

  app.post('/check', async (c) => {
    const f = await form(c, forms.check);
    if (!f.ok) return answer(c, c.get('session'), f.html, 400);
    const s = c.get('session');
    const decision = await desk.check(f.value.code);
    const override = { code: f.value.code, csrf: s.csrf };
    return answer(c, s, checkResult(decision, langOf(c), box.timeZone(), override));
  });

  // SPEC.md 8 override (a): a code refused LOUNGE_FULL let in by staff, with a reason.
  app.post('/override', async (c) => {
    const s = c.get('session');
    const f = await form(c, forms.override);
    if (!f.ok) return answer(c, s, f.html, 400);
    const { code, reason } = f.value;
    const d = await desk.admitOverCapacity({ code, staff: s.staff, reason });
    if (d.decision !== 'grant') {
      return answer(c, s, checkResult(d, langOf(c), box.timeZone()), 409);
    }
    deps.log.info({ staff: s.staff, admit: d.admit, eventId: d.eventId }, 'admitted over capacity');
    return answer(
      c,
      s,
      message(fill(strings(langOf(c)).admittedOverCapacity, { n: d.admit }), true),
    );
  });

  app.post('/annul', async (c) => {
    const s = c.get('session');
    const t = strings(langOf(c));
    const f = await form(c, forms.annul);
    if (!f.ok) return answer(c, s, f.html, 400);
    try {
      const a = desk.annul(f.value.eventId, s.staff);
      return answer(c, s, message(fill(t.annulDone, { n: -a.admit }), true));
    } catch (err) {
      if (!(err instanceof ProblemError)) throw err;
      const text =
        err.code === 'ANNUL_WINDOW_PASSED'
          ? t.annulLate
          : err.code === 'ALREADY_ANNULLED'
            ? t.annulTwice
            : t.annulUnknown;
      return answer(c, s, message(text, false), err.status);
    }
  });

  app.post('/admit', async (c) => {
    const s = c.get('session');
    const f = await form(c, forms.admit);
    if (!f.ok) return answer(c, s, f.html, 400);
    const d = desk.admitByHand({ staff: s.staff, party: f.value.party, reason: f.value.reason });
    deps.log.info({ staff: s.staff, admit: d.admit, eventId: d.eventId }, 'admitted by hand');
    return answer(c, s, message(fill(strings(langOf(c)).admittedByHand, { n: d.admit }), true));
  });

  app.post('/adjust', async (c) => {
    const s = c.get('session');
    const f = await form(c, forms.adjust);
    if (!f.ok) return answer(c, s, f.html, 400);
    desk.adjust({ staff: s.staff, delta: f.value.delta, reason: f.value.reason });
    deps.log.info({ staff: s.staff, delta: f.value.delta }, 'inside count corrected');
    const delta = `${f.value.delta > 0 ? '+' : ''}${f.value.delta}`;
    return answer(c, s, message(fill(strings(langOf(c)).corrected, { delta }), true));
  });

  return {
    app: app as unknown as Hono,
    close: () => {
      unsubscribe();
      for (const l of LANGS) hubs[l].closeAll();
    },
  };
}

const assetPaths = { css: ASSETS.css.path, js: ASSETS.js.path };
