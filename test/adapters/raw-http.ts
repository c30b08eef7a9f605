/**
 * A raw `node:net` HTTP/1.1 client for the methods and bodies `fetch` refuses to send (`TRACE`,
 * `CONNECT`, a chunked body that never ends, a declared length that never arrives). No framework
 * is imported here, so a test that runs a real Next server can use it.
 */
import net from 'node:net';

/** The answer a raw client got; status 0 when the connection closed (or timed out) without one. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** How many body bytes the client managed to send before the answer or the close. */
  readonly sent: number;
}

/**
 * Sends one raw HTTP/1.1 request over `node:net` and reads the answer, whatever the method or body
 * framing. `body` is sent as is (`Content-Length` framing) or, as `chunked`, `chunks` chunks of
 * `chunkBytes` each, stopping as soon as an answer arrives or the server closes; `relentless`, as
 * an attacker would, it ignores the answer and keeps sending until the server closes the
 * connection. Bounded by `timeoutMs`.
 */
export function rawRequest(
  port: number,
  head: string,
  options: { body?: string; chunked?: { chunks: number; chunkBytes: number }; timeoutMs?: number; relentless?: boolean } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let sent = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(data, sent));
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 5000);
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      if (!options.relentless && complete(data, head.startsWith('HEAD '))) finish();
    });
    socket.on('error', () => {});
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(head);
      if (options.body !== undefined) {
        socket.write(options.body);
        sent += Buffer.byteLength(options.body);
      }
      if (options.chunked)
        void sendChunks(
          socket,
          options.chunked,
          () => done || (!options.relentless && data.length > 0),
          (n) => (sent += n),
        );
    });
  });
}

async function sendChunks(socket: net.Socket, spec: { chunks: number; chunkBytes: number }, stop: () => boolean, count: (n: number) => void): Promise<void> {
  const chunk = Buffer.concat([Buffer.from(`${spec.chunkBytes.toString(16)}\r\n`), Buffer.alloc(spec.chunkBytes, 0x61), Buffer.from('\r\n')]);
  for (let i = 0; i < spec.chunks && !stop() && !socket.destroyed; i++) {
    const flushed = socket.write(chunk);
    count(spec.chunkBytes);
    if (!flushed) {
      // Wait for the kernel to take more, for the server to answer, or for the socket to go.
      await new Promise<void>((resume) => {
        const go = (): void => {
          socket.off('drain', go);
          socket.off('close', go);
          socket.off('data', go);
          resume();
        };
        socket.on('drain', go);
        socket.on('close', go);
        socket.on('data', go);
      });
    }
  }
  if (!stop() && !socket.destroyed) socket.write('0\r\n\r\n');
}

function complete(data: Buffer, headOnly: boolean): boolean {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return false;
  if (headOnly) return true;
  const head = data.subarray(0, end).toString('latin1');
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return data.length - end - 4 >= Number(length[1]);
  return /\r\ntransfer-encoding:\s*chunked/i.test(head) ? data.subarray(end).includes('\r\n0\r\n\r\n') : false;
}

function parse(data: Buffer, sent: number): RawAnswer {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, headers: {}, body: '', sent };
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = data.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  return { status, headers, body: body.toString('utf8'), sent };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = Number.parseInt(b.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    out.push(b.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
