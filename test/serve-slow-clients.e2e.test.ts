/**
 * `lucy-ops serve` against slow and greedy clients, end to end (a real serve process, raw sockets
 * on 127.0.0.1): a client that sends headers and then withholds or trickles its body, one that
 * never finishes its headers, and more connections than serve.maxConnections. Each is cut with a
 * JSON error and its connection closed, and serve's in-flight count goes back to 0. No sleeps:
 * every wait is on an event (an answer, a socket closing) or a bounded poll of /metrics.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simConfig, tempProject } from './helpers/cli.js';
import { startServe, type Serve } from './helpers/serve.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
let serve: Serve;
let port: number;

beforeAll(async () => {
  const serveLimits = { bodyIdleTimeoutMs: 300, headersTimeoutMs: 1000, requestTimeoutMs: 1500, maxConnections: 4 };
  serve = await startServe(tempProject(simConfig({ primary: sim.url }, { serve: serveLimits })));
  port = Number(new URL(serve.url).port);
});

afterAll(() => {
  if (serve?.child.exitCode === null) serve.child.kill('SIGKILL');
});

/** A raw connection: what it receives, and a promise of its closing. */
async function connect(to = port): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  const socket = net.connect(to, '127.0.0.1');
  let data = '';
  socket.on('data', (c: Buffer) => (data += c.toString()));
  socket.on('error', () => undefined); // a reset is a way of being cut too
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return { socket, received: () => data, closed };
}

const HEAD = (length: number) =>
  'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
  `Content-Length: ${length}\r\n\r\n`;

/** The status line and the JSON body of a raw answer. */
function parse(raw: string): { status: number; body: { error: { code: string; message: string } } } {
  const [head, body] = raw.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), body: JSON.parse(body) };
}

async function metrics(of = serve): Promise<string> {
  return (await fetch(`${of.url}/metrics`)).text();
}
/** serve's requests in flight besides the /metrics scrape that asks (which the gauge counts, as promhttp's does). */
const inFlight = async (of = serve) => Number(/^lucy_ops_serve_in_flight (\d+)$/m.exec(await metrics(of))?.[1]) - 1;

/**
 * Asks /metrics, one scrape after another, until serve has no request in flight: the connection's
 * close reaches serve's request a moment after the client has the answer. The bound is against a
 * wedged test, not a budget (a loaded machine can take seconds per scrape).
 */
async function settled(of = serve): Promise<void> {
  const giveUp = Date.now() + 120_000;
  while ((await inFlight(of)) !== 0)
    if (Date.now() > giveUp) throw new Error('timed out waiting for serve to have no request in flight');
}

describe('a client that sends headers and then no body', () => {
  it('gets 408 request_timeout once the body has gone serve.bodyIdleTimeoutMs without a byte, and its connection is closed', async () => {
    const c = await connect();
    c.socket.write(HEAD(200) + '{"messages":'); // a start, then nothing
    await c.closed;
    const r = parse(c.received());
    expect(r.status).toBe(408);
    expect(r.body.error.code).toBe('request_timeout');
    expect(r.body.error.message).toContain('serve.bodyIdleTimeoutMs');
    expect(c.received()).toMatch(/\r\nconnection: close\r\n/i);
    expect(await inFlight()).toBe(0);
    expect(await metrics()).toMatch(
      /lucy_ops_serve_requests_total\{outcome="rejected",provider="",degraded=""\} [1-9]/,
    );
  });
});

describe('a client that trickles its body', () => {
  // a serve whose body idle cut is far off: a loaded machine can stall this process between two
  // drips for longer than the shared serve's 300 ms, and only serve.requestTimeoutMs is tested here
  let steady: Serve;
  beforeAll(async () => {
    const serveLimits = { bodyIdleTimeoutMs: 600_000, headersTimeoutMs: 1000, requestTimeoutMs: 1500 };
    steady = await startServe(tempProject(simConfig({ primary: sim.url }, { serve: serveLimits })));
  });
  afterAll(() => {
    if (steady?.child.exitCode === null) steady.child.kill('SIGKILL');
  });

  it('is cut at serve.requestTimeoutMs with a JSON 408 however steadily it sends, and serve has nothing in flight after', async () => {
    const to = Number(new URL(steady.url).port);
    const c = await connect(to);
    c.socket.write(HEAD(100_000));
    // a byte every 50 ms: never done
    const drip = setInterval(() => c.socket.writable && c.socket.write(' '), 50);
    try {
      await c.closed;
    } finally {
      clearInterval(drip);
    }
    const r = parse(c.received());
    expect(r.status).toBe(408);
    expect(r.body.error.code).toBe('request_timeout');
    expect(r.body.error.message).toContain('serve.requestTimeoutMs');
    await settled(steady);
  });
});

describe('a client that never finishes its headers', () => {
  it('is cut at serve.headersTimeoutMs with a JSON 408', async () => {
    const c = await connect();
    c.socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await c.closed;
    const r = parse(c.received());
    expect(r.status).toBe(408);
    expect(r.body.error.code).toBe('request_timeout');
    await settled();
  });
});

describe('a client that connects and sends nothing', () => {
  it('is closed at serve.headersTimeoutMs: silent sockets cannot fill serve.maxConnections', async () => {
    const c = await connect();
    await c.closed; // node:http's headersTimeout alone would wait for a first byte forever
    expect(c.received()).toBe('');
    await settled();
  });
});

describe('what node:http refuses before a request reaches serve', () => {
  it('headers past its 16 KiB limit: 431 with the same JSON error body, then the connection closes', async () => {
    const c = await connect();
    c.socket.write(`GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nx-pad: ${'a'.repeat(20_000)}\r\n\r\n`);
    await c.closed;
    const r = parse(c.received());
    expect(r.status).toBe(431);
    expect(r.body.error.code).toBe('request_headers_too_large');
  });
});

describe('more connections than serve.maxConnections', () => {
  // a serve whose idle cut is far off, so the held connections stay however slow the machine is
  let patient: Serve;
  beforeAll(async () => {
    const serveLimits = { headersTimeoutMs: 600_000, requestTimeoutMs: 600_000, maxConnections: 4 };
    patient = await startServe(tempProject(simConfig({ primary: sim.url }, { serve: serveLimits })));
  });
  afterAll(() => {
    if (patient?.child.exitCode === null) patient.child.kill('SIGKILL');
  });

  it('closes the one past the cap as it arrives and counts it; the connections it holds are served', async () => {
    const to = Number(new URL(patient.url).port);
    const held = [await connect(to), await connect(to), await connect(to), await connect(to)];
    const extra = await connect(to);
    await extra.closed; // closed by serve at once, without a byte
    expect(extra.received()).toBe('');
    // one of the held connections asks for the metrics
    const asker = held[0];
    asker.socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await asker.closed;
    expect(asker.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(asker.received()).toMatch(/^lucy_ops_serve_connections_dropped_total [1-9]/m);
    for (const c of held) c.socket.destroy();
  });
});
