import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/** Why a guarded connection was cut: the stable code is in the error's `code`. */
export class PacketTooLargeError extends Error {
  readonly code = 'MQTT_PACKET_TOO_LARGE';
  constructor(readonly declared: number) {
    super(`MQTT packet of ${declared} bytes refused`);
  }
}

/**
 * Reads MQTT framing (MQTT 3.1.1 section 2.2: one type byte, then the remaining length as a
 * 1-4 byte varint) over the byte stream, without buffering anything. `feed` returns the
 * declared size (header included) of the first packet over `maxBytes`, or 0 while all fit.
 */
export function createFrameReader(maxBytes: number) {
  let state: 'type' | 'length' | 'body' = 'type';
  let length = 0;
  let lengthBytes = 0;
  let left = 0;
  return function feed(chunk: Buffer): number {
    let i = 0;
    while (i < chunk.length) {
      if (state === 'type') {
        state = 'length';
        length = 0;
        lengthBytes = 0;
        i++;
      } else if (state === 'length') {
        const byte = chunk[i++]!;
        length += (byte & 0x7f) * 128 ** lengthBytes++;
        if (byte & 0x80) {
          // A fifth length byte is malformed (MQTT 3.1.1 section 2.2.3): refuse it too.
          if (lengthBytes === 4) return Number.MAX_SAFE_INTEGER;
          continue;
        }
        const total = 1 + lengthBytes + length;
        if (total > maxBytes) return total;
        left = length;
        state = left === 0 ? 'type' : 'body';
      } else {
        const take = Math.min(left, chunk.length - i);
        left -= take;
        i += take;
        if (left === 0) state = 'type';
      }
    }
    return 0;
  };
}

/**
 * The socket as aedes sees it: bytes pass through unchanged, but a packet declaring more
 * than `maxBytes` closes the connection as soon as its header arrives. mqtt-packet (aedes's
 * parser) buffers a whole packet before it looks at it, so without this a CONNECT claiming
 * 256 MB grows the cloud's memory by whatever the sender streams (SPEC.md section 6: 64 KiB).
 */
export class GuardedSocket extends Duplex {
  readonly remoteAddress: string;

  constructor(
    private readonly socket: Socket,
    maxBytes: number,
    onRefused: (err: PacketTooLargeError) => void = () => {},
  ) {
    super({ allowHalfOpen: false });
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    const feed = createFrameReader(maxBytes);
    socket.on('data', (chunk: Buffer) => {
      const declared = feed(chunk);
      if (declared > 0) {
        const err = new PacketTooLargeError(declared);
        onRefused(err);
        socket.destroy();
        this.destroy(err);
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (err?: Error | null) => void) {
    if (this.socket.destroyed) return done(new Error('connection closed'));
    this.socket.write(chunk, encoding, done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end(done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }
}
