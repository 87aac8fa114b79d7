/**
 * Raw HTTP/1.1 over a net.Socket, for e2e tests of what a client library would hide: requests
 * written ahead on one connection (pipelining), a client that goes away mid-answer, what serve's
 * answers say about the connection. Every wait here ends on an event that must come: an answer
 * arriving, or the socket closing (a wait for answers rejects when the socket closes first).
 * Tests call destroyAll() in afterEach, so no socket outlives its test.
 */
import net from 'node:net';

/** A chat request as raw bytes, logged as job serve:<job>; `pad` characters of filler make the body that much larger. */
export function chatBytes(model: string, job: string, pad = 0): string {
  const content = `request ${job}${pad > 0 ? ' ' + 'x'.repeat(pad) : ''}`;
  const body = JSON.stringify({ model, messages: [{ role: 'user', content }] });
  return (
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `x-lucy-job: ${job}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** A bodiless GET as raw bytes. */
export const getBytes = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** The whole answers in `raw` so far, in order (serve's answers all carry content-length). */
export function answersIn(raw: string): Answer[] {
  const out: Answer[] = [];
  let at = 0;
  for (;;) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end < 0) return out;
    const [status, ...lines] = raw.slice(at, end).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length']);
    if (raw.length < end + 4 + length) return out;
    out.push({ status: Number(status.split(' ')[1]), headers, body: JSON.parse(raw.slice(end + 4, end + 4 + length)) });
    at = end + 4 + length;
  }
}

export interface RawConnection {
  socket: net.Socket;
  /** Resolves with the answers once there are `n`; rejects if the socket closes before. */
  answers(n: number): Promise<Answer[]>;
  /** Resolves when the socket has closed (either side). */
  closed: Promise<void>;
  /** Resolves when serve ended its side ('end': its FIN), or the socket closed without one. */
  ended: Promise<void>;
  /** The answers received so far. */
  all(): Answer[];
  /** Writes and resolves once the bytes are handed to the kernel (so a destroy after it loses none). */
  write(data: string): Promise<void>;
}

const open = new Set<net.Socket>();

/** Destroys every socket connect() opened that is still open (afterEach). */
export function destroyAll(): void {
  for (const s of open) s.destroy();
  open.clear();
}

/** A raw connection to `url`'s port on 127.0.0.1. */
export async function connect(url: string): Promise<RawConnection> {
  const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
  open.add(socket);
  let raw = '';
  const waiters = new Set<() => void>();
  socket.on('data', (c: Buffer) => {
    raw += c.toString();
    for (const w of waiters) w();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      open.delete(socket);
      resolve();
    }),
  );
  const ended = Promise.race([new Promise<void>((resolve) => socket.once('end', () => resolve())), closed]);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const answers = (n: number) =>
    new Promise<Answer[]>((resolve, reject) => {
      const check = () => {
        const got = answersIn(raw);
        if (got.length >= n) {
          waiters.delete(check);
          resolve(got);
        }
      };
      waiters.add(check);
      void closed.then(() => {
        waiters.delete(check);
        const got = answersIn(raw);
        if (got.length >= n) resolve(got);
        else reject(new Error(`connection closed after ${got.length} answer(s) of ${n}: ${raw.slice(0, 2000)}`));
      });
      check();
    });
  const write = (data: string) =>
    new Promise<void>((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
  return { socket, answers, closed, ended, all: () => answersIn(raw), write };
}

/**
 * `p`, or a rejection naming `what` after `ms`: a bound against a test waiting forever when the
 * behaviour under test is missing, never a budget (what it waits for comes within milliseconds).
 */
export function bounded<T>(p: Promise<T>, what: string, ms = 120_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, bound]).finally(() => clearTimeout(timer));
}
