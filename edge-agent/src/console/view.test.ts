import { describe, expect, it } from 'vitest';
import { clockTime, startOfDay } from './day.ts';
import { html } from './html.ts';
import { pickLang, reasonText } from './i18n.ts';

describe('console views', () => {
  it('escapes every value unless it is markup already', () => {
    const name = '<script>"x"</script>';
    expect(
      html`<p title="${name}">${name}${html`<b>${1}</b>`}${[null, false, 'a']}</p>`.value,
    ).toBe(
      '<p title="&lt;script&gt;&quot;x&quot;&lt;/script&gt;">&lt;script&gt;&quot;x&quot;&lt;/script&gt;<b>1</b>a</p>',
    );
  });

  it('picks the language: the chosen one, else the browser order, else English', () => {
    expect(pickLang('es', 'en-GB')).toBe('es');
    expect(pickLang(undefined, 'es-ES,es;q=0.9,en;q=0.8')).toBe('es');
    expect(pickLang(undefined, 'fr-FR, en;q=0.5, es;q=0.7')).toBe('es');
    expect(pickLang(undefined, 'de')).toBe('en');
    expect(pickLang('xx', undefined)).toBe('en');
    expect(reasonText('ALREADY_USED', 'es')).toBe('Ya utilizada');
    expect(reasonText('SOMETHING_NEW', 'en')).toBe('SOMETHING_NEW');
  });

  it("finds the start of the lounge's day in its zone, across DST changes", () => {
    // 00:30 in Madrid on 2030-03-31 (the night clocks go forward) is 23:30Z the day before.
    const madrid = 'Europe/Madrid';
    expect(startOfDay(Date.parse('2030-03-31T12:00:00Z'), madrid)).toBe(
      Date.parse('2030-03-30T23:00:00Z'),
    );
    expect(startOfDay(Date.parse('2030-03-30T23:30:00Z'), madrid)).toBe(
      Date.parse('2030-03-30T23:00:00Z'),
    );
    expect(startOfDay(Date.parse('2030-07-01T21:59:59Z'), madrid)).toBe(
      Date.parse('2030-06-30T22:00:00Z'),
    );
    expect(startOfDay(Date.parse('2030-01-01T09:00:00Z'), 'Pacific/Kiritimati')).toBe(
      Date.parse('2029-12-31T10:00:00Z'),
    );
    expect(startOfDay(Date.parse('2030-01-01T09:00:00Z'), 'UTC')).toBe(
      Date.parse('2030-01-01T00:00:00Z'),
    );
    expect(clockTime(Date.parse('2030-07-01T08:05:09Z'), madrid)).toBe('10:05:09');
  });
});
