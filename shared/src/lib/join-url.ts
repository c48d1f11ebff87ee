/** Query parameters to append; `undefined` values are left out. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

/**
 * `base` + `path` for an outbound call, keeping the base's path (SPEC.md section 8: an airline
 * gateway puts IBDP at `https://gw.example.com/ibdp`, so `/v1/ingest/access-logs` must land at
 * `https://gw.example.com/ibdp/v1/ingest/access-logs`). `new URL('/v1/…', base)` would drop
 * `/ibdp`. Slashes at the seam collapse to one; the base's query string (a gateway key, say) is
 * kept verbatim, then the path's own query, then `query`; a fragment is dropped. Segments in
 * `path` must already be encoded (`encodeURIComponent`). Throws a TypeError naming the base when
 * it is not an absolute URL.
 */
export function joinUrl(base: string | URL, path: string, query: QueryParams = {}): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new TypeError(`${String(base)} is not an absolute URL`);
  }
  const mark = path.indexOf('?');
  const pathPart = mark === -1 ? path : path.slice(0, mark);
  const pathQuery = mark === -1 ? '' : path.slice(mark + 1);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${pathPart.replace(/^\/+/, '')}`;
  const extra = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) extra.append(key, String(value));
  }
  url.search = [url.search.slice(1), pathQuery, extra.toString()].filter(Boolean).join('&');
  url.hash = '';
  return url.toString();
}
