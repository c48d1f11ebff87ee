import type { Decision } from '@lounge/shared';
import { clockTime } from './day.ts';
import { healthLights, lightWord } from './health-lights.ts';
import { html, type SafeHtml } from './html.ts';
import { fill, reasonText, strings, type Lang, type Strings } from './i18n.ts';
import type { DayCounters, LogRow, Occupancy } from './ports.ts';
import type { Health } from '../health.ts';

/** Paths of the stylesheet and script (content-hashed, so they can be cached for good). */
export interface AssetPaths {
  css: string;
  js: string;
}

/** Everything the status panel shows. */
export interface StatusView {
  occupancy: Occupancy;
  counters: DayCounters;
  health: Health;
}

/** An invitation's short id: the last 6 characters of its ULID (the random part). */
export const shortId = (invitationId: string | null): string =>
  invitationId ? invitationId.slice(-6).toUpperCase() : '—';

function layout(
  lang: Lang,
  title: string,
  assets: AssetPaths,
  body: SafeHtml,
  csrf?: string,
): SafeHtml {
  return html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${csrf && html`<meta name="csrf" content="${csrf}" />`}
        <title>${title}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="${assets.css}" />
      </head>
      <body>
        ${body} ${csrf && html`<script src="${assets.js}" defer></script>`}
      </body>
    </html>`;
}

const otherLang = (lang: Lang): Lang => (lang === 'es' ? 'en' : 'es');

/** The sign-in page, with an error line when the last try failed. */
export function signInPage(
  lang: Lang,
  loungeId: string,
  assets: AssetPaths,
  error?: string,
): SafeHtml {
  const t = strings(lang);
  return layout(
    lang,
    `${t.title} · ${loungeId}`,
    assets,
    html`<main class="signin">
      <h1>${t.title}</h1>
      <p class="muted">${loungeId}</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <form method="post" action="/login">
        <label
          >${t.name}<input name="name" autocomplete="username" required autofocus maxlength="64"
        /></label>
        <label
          >${t.pin}<input
            name="pin"
            type="password"
            inputmode="numeric"
            autocomplete="current-password"
            required
            pattern="[0-9]{6,32}"
        /></label>
        <button>${t.signIn}</button>
      </form>
      <p><a href="/?lang=${otherLang(lang)}" lang="${otherLang(lang)}">${t.language}</a></p>
    </main>`,
  );
}

/** One row of the live log; `csrf` adds the annul form's token (pages; SSE rows go without). */
export function logRow(
  row: LogRow,
  lang: Lang,
  timeZone: string,
  annulUntilMs: number,
  csrf?: string,
): SafeHtml {
  const t = strings(lang);
  const annulment = row.annuls !== undefined;
  const kind = annulment ? 'annul' : row.decision;
  const result = annulment
    ? t.annulled
    : row.decision === 'grant'
      ? row.annulled
        ? `${t.grant} · ${t.annulled}`
        : t.grant
      : row.decision === 'deny'
        ? t.deny
        : reasonText(row.reason, lang);
  const canAnnul =
    row.decision === 'grant' && !row.annulled && Date.parse(row.decidedAt) >= annulUntilMs;
  return html`<tr id="r-${row.eventId}" class="${kind}${row.annulled ? ' annulled' : ''}">
    <td>${clockTime(Date.parse(row.decidedAt), timeZone)}</td>
    <td>${row.gate}</td>
    <td class="res">${result}</td>
    <td>
      ${reasonText(row.reason, lang)}${row.staff && html` <span class="muted">· ${row.staff}</span>`}
    </td>
    <td class="num">${row.decision === 'grant' ? row.admit : ''}</td>
    <td><code>${shortId(row.invitationId)}</code></td>
    <td>
      ${
        canAnnul &&
        html`<form method="post" action="/annul" data-fetch>
          <input
            type="hidden"
            name="eventId"
            value="${row.eventId}"
          />${csrf && html`<input type="hidden" name="csrf" value="${csrf}" />`}<button
            class="small"
            aria-label="${t.annul} ${clockTime(Date.parse(row.decidedAt), timeZone)} ${row.gate}"
          >
            ${t.annul}
          </button>
        </form>`
      }
    </td>
  </tr>`;
}

/** Inside vs capacity, today's counters and the box's health (refreshed on every event). */
export function statusPanel(s: StatusView, lang: Lang): SafeHtml {
  const t = strings(lang);
  const { inside, capacity } = s.occupancy;
  const denials = Object.entries(s.counters.denials);
  const full = inside !== null && capacity !== null && inside >= capacity;
  return html`<section aria-labelledby="h-inside" class="card">
      <h2 id="h-inside">${t.inside}</h2>
      <p class="big${full ? ' bad' : ''}">
        ${inside ?? '—'} <span class="muted">/ ${capacity ?? '—'} ${t.capacity}</span>
      </p>
      ${inside === null && html`<p class="muted">${t.notCounted}</p>`}
    </section>
    <section aria-labelledby="h-today" class="card">
      <h2 id="h-today">${t.today}</h2>
      <p>${t.admitted}: <strong id="admitted">${s.counters.admitted}</strong></p>
      <p>
        ${t.denials}:
        ${
          denials.length
            ? html`<ul class="inline">
                ${denials.map(([r, n]) => html`<li>${reasonText(r, lang)}: <strong>${n}</strong></li>`)}
              </ul>`
            : t.noDenials
        }
      </p>
    </section>
    <section aria-labelledby="h-health" class="card">
      <h2 id="h-health">${t.health}</h2>
      <ul class="health">
        ${healthLights(s.health, t).map(
          (l) =>
            html`<li class="${l.light}">
              <span class="dot" aria-hidden="true"></span
              ><strong>${l.label}</strong> ${lightWord(l.light, t)}
              <span class="muted">${l.detail}</span>
            </li>`,
        )}
      </ul>
    </section>`;
}

/**
 * The answer to "check a code": what a scan would get now, and the invitation's state. A code
 * refused LOUNGE_FULL comes with the override form when `override` (the code, the CSRF token)
 * is given (SPEC.md 8 "Desk overrides", a).
 */
export function checkResult(
  d: Decision,
  lang: Lang,
  timeZone: string,
  override?: { code: string; csrf: string },
): SafeHtml {
  const t = strings(lang);
  const until = d.validUntil && Date.parse(d.validUntil);
  // A decision's entriesLeft counts the entry its grant takes; the desk wants what is left now.
  const left = d.decision === 'grant' ? d.entriesLeft + 1 : d.entriesLeft;
  return html`<div class="${d.decision === 'grant' ? 'ok' : 'bad'}">
    <p>
      <strong>${d.decision === 'grant' ? t.wouldGrant : t.wouldDeny}</strong>:
      ${reasonText(d.reason, lang)}
    </p>
    <p>
      ${t.invitation} <code>${shortId(d.invitationId)}</code> · ${t.party}:
      ${d.decision === 'grant' ? d.admit : '—'} · ${t.entriesLeft}:
      ${d.invitationId ? left : '—'}${
        until &&
        html` · ${t.validUntil}: ${new Date(until).toISOString().slice(0, 10)}
        ${clockTime(until, timeZone)}`
      }
    </p>
    ${
      override &&
      d.reason === 'LOUNGE_FULL' &&
      html`<form method="post" action="/override" data-fetch class="fields">
        <input type="hidden" name="csrf" value="${override.csrf}" /><input
          type="hidden"
          name="code"
          value="${override.code}"
        /><label class="grow"
          >${t.why}<input name="reason" required minlength="3" maxlength="200"
        /></label>
        <button>${t.overrideFull}</button>
      </form>`
    }
  </div>`;
}

/** A one-line answer to an action. */
export const message = (text: string, ok: boolean): SafeHtml =>
  html`<p class="${ok ? 'ok' : 'bad'}">${text}</p>`;

export interface DashboardView {
  lang: Lang;
  loungeId: string;
  staff: string;
  csrf: string;
  timeZone: string;
  annulUntilMs: number;
  rows: LogRow[];
  status: StatusView;
  result?: SafeHtml;
}

function actions(t: Strings, csrf: string): SafeHtml {
  const token = html`<input type="hidden" name="csrf" value="${csrf}" />`;
  const reason = html`<label class="grow"
    >${t.why}<input name="reason" required minlength="3" maxlength="200"
  /></label>`;
  return html`<section aria-labelledby="h-check" class="card">
      <h2 id="h-check">${t.checkCode}</h2>
      <form method="post" action="/check" data-fetch data-reset class="fields">
        ${token}
        <label class="grow"
          >${t.code}<input name="code" required maxlength="4096" autocomplete="off" autofocus
        /></label>
        <button>${t.check}</button>
      </form>
    </section>
    <section aria-labelledby="h-admit" class="card">
      <h2 id="h-admit">${t.admitByHand}</h2>
      <form method="post" action="/admit" data-fetch data-reset class="fields">
        ${token}
        <label class="narrow"
          >${t.partySize}<input name="party" type="number" min="1" max="100" value="1" required
        /></label>
        ${reason}
        <button>${t.admit}</button>
      </form>
    </section>
    <section aria-labelledby="h-adjust" class="card">
      <h2 id="h-adjust">${t.correctCount}</h2>
      <form method="post" action="/adjust" data-fetch data-reset class="fields">
        ${token}
        <label class="narrow"
          >${t.delta}<input name="delta" type="number" min="-500" max="500" required
        /></label>
        ${reason}
        <button>${t.correct}</button>
      </form>
    </section>`;
}

/** The desk screen: live log on the left; status, actions and answers on the right. */
export function dashboardPage(v: DashboardView, assets: AssetPaths): SafeHtml {
  const t = strings(v.lang);
  return layout(
    v.lang,
    `${t.title} · ${v.loungeId}`,
    assets,
    html`<header>
        <h1>${t.title} <span class="muted">${v.loungeId}</span></h1>
        <p>${fill(t.signedInAs, { name: v.staff })}</p>
        <a href="/?lang=${otherLang(v.lang)}" lang="${otherLang(v.lang)}">${t.language}</a>
        <form method="post" action="/logout">
          <input type="hidden" name="csrf" value="${v.csrf}" /><button class="small">
            ${t.signOut}
          </button>
        </form>
      </header>
      <main>
        <div id="status">${statusPanel(v.status, v.lang)}</div>
        <section id="log" role="log" aria-label="${t.decisions}" aria-live="polite">
          <h2>${t.decisions}</h2>
          <table>
            <thead>
              <tr>
                <th>${t.time}</th>
                <th>${t.gate}</th>
                <th>${t.result}</th>
                <th>${t.reason}</th>
                <th>${t.party}</th>
                <th>${t.invitation}</th>
                <th></th>
              </tr>
            </thead>
            <tbody id="rows">
              ${v.rows.map((r) => logRow(r, v.lang, v.timeZone, v.annulUntilMs, v.csrf))}
            </tbody>
          </table>
          ${v.rows.length === 0 && html`<p id="empty" class="muted">${t.noDecisions}</p>`}
        </section>
        <div id="side">
          <div id="result" role="status" aria-live="polite">${v.result}</div>
          ${actions(t, v.csrf)}
        </div>
      </main>`,
    v.csrf,
  );
}
