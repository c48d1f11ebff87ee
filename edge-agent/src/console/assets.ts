import { createHash } from 'node:crypto';

// The console's whole stylesheet and script, served by the box itself (no CDN, no web font:
// SPEC.md 8). The script only adds the live parts: the SSE log, refreshing the status panel,
// and posting forms without leaving the page. Every form also works without it.

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f4f5f7}
header{display:flex;gap:1rem;align-items:center;padding:.4rem 1rem;background:#1f2a44;color:#fff}
header h1{font-size:1.1rem;margin:0;flex:1}
header p{margin:0}
header a{color:#fff}
header .muted{color:#c9d1e4}
main{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:.8rem;padding:.8rem}
@media (max-width:900px){main{grid-template-columns:1fr}}
h2{font-size:1rem;margin:0 0 .4rem}
.card,#log{background:#fff;border:1px solid #d6d9e0;border-radius:6px;padding:.6rem .8rem;margin-bottom:.6rem}
#log{max-height:calc(100vh - 4.5rem);overflow:auto;margin:0}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.25rem .35rem;border-bottom:1px solid #eceef2;vertical-align:middle}
th{font-size:.8rem;color:#555;position:sticky;top:0;background:#fff}
.num{text-align:right}
tr.grant .res{color:#146c2e;font-weight:600}
tr.deny .res{color:#a11d17;font-weight:600}
tr.annul .res,tr.annulled .res{color:#8a5a00;font-weight:600}
tr.annulled td{text-decoration:line-through}
tr.annulled td:last-child{text-decoration:none}
.muted{color:#5c6370}
.big{font-size:2rem;font-weight:700;margin:0}
.bad{color:#a11d17}
.ok{color:#146c2e}
#result:empty{display:none}
#result{background:#fff;border:2px solid #1f2a44;border-radius:6px;padding:.4rem .8rem;margin-bottom:.6rem}
#result p{margin:.2rem 0}
label{display:block;margin:.3rem 0;font-size:.9rem}
input{display:block;width:100%;font:inherit;padding:.45rem;border:1px solid #9aa1ad;border-radius:4px;margin-top:.15rem}
button{font:inherit;padding:.45rem 1rem;margin-top:.4rem;border:0;border-radius:4px;background:#1f2a44;color:#fff;cursor:pointer}
button.small{padding:.2rem .6rem;margin:0;font-size:.85rem}
header button.small{background:#fff;color:#1f2a44}
:focus-visible{outline:3px solid #e08a00;outline-offset:2px}
ul.health,ul.inline{list-style:none;margin:0;padding:0}
ul.inline li{display:inline;margin-right:.8rem}
ul.health li{margin:.15rem 0}
.dot{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;margin-right:.4rem;vertical-align:-.05rem}
.green .dot{background:#1e8e3e}.amber .dot{background:#e0a100}.red .dot{background:#c5221f}
.signin{max-width:22rem;margin:4rem auto;background:#fff;padding:1.5rem;border-radius:6px;border:1px solid #d6d9e0}
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
