import { createHash } from 'node:crypto';

// The console's whole stylesheet and script, served by the box itself (no CDN, no web font:
// SPEC.md 8). The script only adds the live parts: the SSE log, refreshing the status panel,
// and posting forms without leaving the page. Every form also works without it.

const CSS = `
*{box-sizing:border-box}
html,body{height:100%}
body{margin:0;font:15px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f5f7;display:flex;flex-direction:column}
header{display:flex;gap:1rem;align-items:center;padding:.35rem 1rem;background:#1f2a44;color:#fff}
header h1{font-size:1.05rem;margin:0;flex:1}
header p{margin:0}
header a{color:#fff}
header .muted{color:#c9d1e4}
main{flex:1;min-height:0;display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);grid-template-rows:auto minmax(0,1fr);gap:.6rem;padding:.6rem}
#status{grid-column:1/-1;display:grid;grid-template-columns:auto auto 1fr;gap:.6rem}
#status .card{margin:0}
#log,#side{overflow:auto;min-height:0}
@media (max-width:900px){main{grid-template-columns:1fr;grid-template-rows:none}#status{grid-template-columns:1fr 1fr}#status .card:last-child{grid-column:1/-1}#log{max-height:60vh}}
h2{font-size:.95rem;margin:0 0 .3rem}
.card,#log{background:#fff;border:1px solid #d6d9e0;border-radius:6px;padding:.5rem .7rem;margin-bottom:.6rem}
#log{margin:0}
#log h2::after{content:"";display:inline-block;width:.6rem;height:.6rem;border-radius:50%;margin-left:.5rem;background:#c5221f}
[data-live="1"] #log h2::after{background:#1e8e3e}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.22rem .35rem;border-bottom:1px solid #eceef2;vertical-align:middle}
th{font-size:.8rem;color:#555;position:sticky;top:0;background:#fff}
.num{text-align:right}
tr.grant .res{color:#146c2e;font-weight:600}
tr.deny .res{color:#a11d17;font-weight:600}
tr.annul .res,tr.annulled .res{color:#8a5a00;font-weight:600}
tr.annulled td{text-decoration:line-through}
tr.annulled td:last-child{text-decoration:none}
.muted{color:#5c6370}
.big{font-size:1.9rem;font-weight:700;margin:0;white-space:nowrap}
.bad{color:#a11d17}
.ok{color:#146c2e}
#status p{margin:.1rem 0}
#result:empty{display:none}
#result{background:#fff;border:2px solid #1f2a44;border-radius:6px;padding:.35rem .7rem;margin-bottom:.6rem}
#result p{margin:.15rem 0}
.fields{display:flex;gap:.5rem;align-items:flex-end}
.grow{flex:1}
.narrow{width:7.5rem}
label{display:block;font-size:.85rem}
input{display:block;width:100%;font:inherit;padding:.4rem;border:1px solid #9aa1ad;border-radius:4px;margin-top:.1rem}
button{font:inherit;padding:.4rem .9rem;border:0;border-radius:4px;background:#1f2a44;color:#fff;cursor:pointer}
button.small{padding:.2rem .6rem;font-size:.85rem}
header button.small{background:#fff;color:#1f2a44}
:focus-visible{outline:3px solid #e08a00;outline-offset:2px}
ul.health,ul.inline{list-style:none;margin:0;padding:0}
ul.health{columns:2;column-gap:1rem}
ul.inline li{display:inline;margin-right:.7rem}
ul.health li{margin:.1rem 0;break-inside:avoid}
.dot{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;margin-right:.35rem;vertical-align:-.05rem}
.green .dot{background:#1e8e3e}.amber .dot{background:#e0a100}.red .dot{background:#c5221f}
.signin{max-width:22rem;margin:4rem auto;background:#fff;padding:1.5rem;border-radius:6px;border:1px solid #d6d9e0}
.signin label{margin:.5rem 0}
.signin button{margin-top:.6rem}
.error{color:#a11d17;font-weight:600}
`;

const JS = `(() => {
  const csrf = document.querySelector('meta[name=csrf]').content;
  const rows = document.getElementById('rows');
  const status = document.getElementById('status');
  const result = document.getElementById('result');
  const headers = { 'x-csrf-token': csrf, 'x-requested-with': 'fetch' };
  let timer;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const r = await fetch('/status', { headers });
      if (r.status === 401) location.reload();
      else if (r.ok) status.innerHTML = await r.text();
    }, 150);
  };
  const events = new EventSource('/events');
  // data-live on <html>: 1 while the log is live (shown as a dot; tests wait for it).
  events.onopen = () => (document.documentElement.dataset.live = '1');
  events.onerror = () => (document.documentElement.dataset.live = '0');
  events.addEventListener('row', (e) => {
    rows.insertAdjacentHTML('afterbegin', JSON.parse(e.data));
    while (rows.rows.length > 200) rows.deleteRow(-1);
    document.getElementById('empty')?.remove();
    refresh();
  });
  events.addEventListener('annulled', (e) => {
    const row = document.getElementById('r-' + JSON.parse(e.data));
    row?.classList.add('annulled');
    row?.querySelector('form')?.remove();
    refresh();
  });
  setInterval(refresh, 10000);
  document.addEventListener('submit', async (e) => {
    const form = e.target;
    if (!form.hasAttribute('data-fetch')) return;
    e.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const r = await fetch(form.action, { method: 'POST', headers, body: new URLSearchParams(new FormData(form)) });
      if (r.status === 401) return location.reload();
      result.innerHTML = await r.text();
      if (r.ok && form.hasAttribute('data-reset')) form.reset();
      refresh();
    } finally {
      button.disabled = false;
    }
  });
})();
`;

const hashed = (text: string, ext: string) => ({
  path: `/assets/console.${createHash('sha256').update(text).digest('hex').slice(0, 12)}.${ext}`,
  body: text,
});

/** The stylesheet and script with their content-hashed paths. */
export const ASSETS = {
  css: { ...hashed(CSS, 'css'), type: 'text/css; charset=utf-8' },
  js: { ...hashed(JS, 'js'), type: 'text/javascript; charset=utf-8' },
} as const;
