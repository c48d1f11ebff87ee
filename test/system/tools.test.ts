import { describe, expect, it } from 'vitest';
import { postgresBinDir, run, which } from '@lounge/test-helpers/tools';

// The system suite runs against real services; this checks CI installed every one of them.
describe('system tools', () => {
  it('has mosquitto', () => {
    const bin = which('mosquitto');
    expect(bin, 'apt-get install mosquitto').toBeDefined();
    expect(run(bin!, ['-h'])).toMatch(/mosquitto version 2\./);
  });

  it('has the PostgreSQL server binaries', () => {
    const dir = postgresBinDir();
    expect(dir, 'apt-get install postgresql').toBeDefined();
    expect(run(`${dir}/postgres`, ['--version'])).toMatch(/PostgreSQL\) \d+/);
  });

  it('has socat for serial ptys', () => {
    expect(run(which('socat') ?? 'socat', ['-V'])).toMatch(/socat version/);
  });

  it('has zbarimg to decode QR images', () => {
    expect(run(which('zbarimg') ?? 'zbarimg', ['--version'])).toMatch(/^\d+\.\d+/);
  });
});
