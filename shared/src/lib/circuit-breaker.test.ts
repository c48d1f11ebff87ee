import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.ts';
import { CircuitBreaker, CircuitOpenError } from './circuit-breaker.ts';

const fail = async (): Promise<never> => {
  throw new Error('boom');
};
const ok = async (): Promise<string> => 'ok';

function setup(isFailure?: (e: unknown) => boolean) {
  const clock = new ManualClock();
  const onStateChange = vi.fn();
  const breaker = new CircuitBreaker({
    name: 'loyalty',
    failureThreshold: 3,
    coolDownMs: 10_000,
    clock,
    isFailure,
    onStateChange,
  });
  return { clock, breaker, onStateChange };
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and then refuses without calling', async () => {
    const { breaker } = setup();
    for (let i = 0; i < 3; i++) await expect(breaker.run(fail)).rejects.toThrow('boom');
    expect(breaker.state()).toBe('open');
    const fn = vi.fn(ok);
    const err = await breaker.run(fn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err).toMatchObject({ code: 'CIRCUIT_OPEN', circuit: 'loyalty', retryAfterMs: 10_000 });
    expect(fn).not.toHaveBeenCalled();
  });

  it('a success resets the count of consecutive failures', async () => {
    const { breaker } = setup();
    await expect(breaker.run(fail)).rejects.toThrow();
    await expect(breaker.run(fail)).rejects.toThrow();
    await breaker.run(ok);
    await expect(breaker.run(fail)).rejects.toThrow();
    await expect(breaker.run(fail)).rejects.toThrow();
    expect(breaker.state()).toBe('closed');
  });

  it('lets exactly one trial through after the cool-down; success closes it', async () => {
    const { breaker, clock, onStateChange } = setup();
    for (let i = 0; i < 3; i++) await expect(breaker.run(fail)).rejects.toThrow();
    clock.advance(9_999);
    expect(breaker.state()).toBe('open');
    clock.advance(1);
    expect(breaker.state()).toBe('half-open');

    let release!: () => void;
    const trial = breaker.run(() => new Promise<string>((r) => (release = () => r('trial'))));
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    await expect(trial).resolves.toBe('trial');
    expect(breaker.state()).toBe('closed');
    expect(onStateChange.mock.calls.map(([s]) => s)).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed trial reopens it for a full cool-down', async () => {
    const { breaker, clock } = setup();
    for (let i = 0; i < 3; i++) await expect(breaker.run(fail)).rejects.toThrow();
    clock.advance(10_000);
    await expect(breaker.run(fail)).rejects.toThrow('boom');
    expect(breaker.state()).toBe('open');
    await expect(breaker.run(ok)).rejects.toMatchObject({ retryAfterMs: 10_000 });
  });

  it('errors that are not failures (e.g. a 4xx) pass through and do not count', async () => {
    const { breaker } = setup((e) => !(e instanceof TypeError));
    for (let i = 0; i < 5; i++) {
      await expect(
        breaker.run(async () => {
          throw new TypeError('bad request');
        }),
      ).rejects.toThrow(TypeError);
    }
    expect(breaker.state()).toBe('closed');
  });
});
