import { describe, expect, it } from 'vitest';
import { joinUrl } from './join-url.ts';

describe('joinUrl', () => {
  it("keeps the base's path prefix (SPEC.md 8)", () => {
    expect(joinUrl('https://gw.example.com/ibdp', '/v1/ingest/access-logs')).toBe(
      'https://gw.example.com/ibdp/v1/ingest/access-logs',
    );
    expect(joinUrl('http://127.0.0.1:18080/stub/ibdp', '/v1/health')).toBe(
      'http://127.0.0.1:18080/stub/ibdp/v1/health',
    );
    expect(joinUrl('https://gw.example.com/a/b', '.well-known/jwks.json')).toBe(
      'https://gw.example.com/a/b/.well-known/jwks.json',
    );
  });

  it('joins with exactly one slash, whatever the trailing and leading slashes', () => {
    for (const base of [
      'https://gw.example.com/ibdp',
      'https://gw.example.com/ibdp/',
      'https://gw.example.com/ibdp//',
    ]) {
      for (const path of ['v1/health', '/v1/health', '//v1/health']) {
        expect(joinUrl(base, path)).toBe('https://gw.example.com/ibdp/v1/health');
      }
    }
    expect(joinUrl('http://cloud:8080', '/healthz')).toBe('http://cloud:8080/healthz');
    expect(joinUrl('http://cloud:8080/', '/healthz')).toBe('http://cloud:8080/healthz');
  });

  it("keeps the base's query verbatim, then the path's, then the extra parameters", () => {
    expect(joinUrl('https://gw.example.com/cloud?apikey=a%2Bb', '/v1/revocations?after=3')).toBe(
      'https://gw.example.com/cloud/v1/revocations?apikey=a%2Bb&after=3',
    );
    expect(
      joinUrl('https://gw.example.com/cloud/?k=1', '/v1/revocations', {
        after: 0,
        limit: 500,
        skip: undefined,
      }),
    ).toBe('https://gw.example.com/cloud/v1/revocations?k=1&after=0&limit=500');
    expect(joinUrl('https://gw.example.com/x', '/y', { q: 'a b&c' })).toBe(
      'https://gw.example.com/x/y?q=a+b%26c',
    );
  });

  it('drops a fragment and keeps encoded segments as they are', () => {
    expect(joinUrl('https://gw.example.com/x#frag', '/v1/members/IB%2F1')).toBe(
      'https://gw.example.com/x/v1/members/IB%2F1',
    );
  });

  it('refuses a base that is not an absolute URL, naming it', () => {
    expect(() => joinUrl('gw.example.com/ibdp', '/v1/health')).toThrow(
      'gw.example.com/ibdp is not an absolute URL',
    );
  });
});
