/** Scripting, sim time, counting, control endpoints and shutdown of the simulator. */
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { closedPortUrl, SIM_NOW_HEADER, startSimulator, type SimScript, type Simulator } from './server.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function post(url: string, model: string, opts: { headers?: Record<string, string>; stream?: boolean } = {}) {
  const res = await request(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify({ model, stream: opts.stream ?? false, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

/** The outage of the drill: 503 from 14:14 to 14:59 (half-open), fine otherwise. */
const OUTAGE: SimScript = {
  primary: [{ fault: { kind: 'status', status: 503 }, from: '2025-04-19T14:14:00Z', until: '2025-04-19T14:59:00Z' }],
  backup: { kind: 'ok' },
};

describe('time windows', () => {
  it('follow setNow: before, at from, inside, at until (exclusive), after', async () => {
    sim = await startSimulator({ script: OUTAGE });
    const statusAt = async (iso: string) => {
      sim!.setNow(iso);
      return (await post(sim!.url, 'primary')).status;
    };
    expect(await statusAt('2025-04-19T14:13:59.999Z')).toBe(200);
    expect(await statusAt('2025-04-19T14:14:00Z')).toBe(503);
    expect(await statusAt('2025-04-19T14:30:00Z')).toBe(503);
    expect(await statusAt('2025-04-19T14:59:00Z')).toBe(200);
    sim.setNow(Date.parse('2025-04-19T14:20:00Z')); // epoch ms works too
    expect((await post(sim.url, 'primary')).status).toBe(503);
    sim.setNow(undefined); // back to real time, long after the outage
    expect((await post(sim.url, 'primary')).status).toBe(200);
  });

  it('follow the x-lucy-sim-now header over setNow, and record sim time', async () => {
    sim = await startSimulator({ script: OUTAGE, now: '2025-04-19T12:00:00Z' });
    expect((await post(sim.url, 'primary')).status).toBe(200);
    const inside = await post(sim.url, 'primary', { headers: { [SIM_NOW_HEADER]: '2025-04-19T14:30:00Z' } });
    expect(inside.status).toBe(503);
    expect(sim.requests().map((r) => new Date(r.at).toISOString())).toEqual([
      '2025-04-19T12:00:00.000Z',
      '2025-04-19T14:30:00.000Z',
    ]);
    const bad = await post(sim.url, 'primary', { headers: { [SIM_NOW_HEADER]: 'yesterday-ish' } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain(SIM_NOW_HEADER);
  });
});

describe('rules', () => {
  it('times: the first N matching requests get the fault, later ones fall through', async () => {
    sim = await startSimulator({
      script: {
        m: [
          { fault: { kind: 'rate-limit' }, times: 2 },
          { fault: { kind: 'status', status: 500 }, times: 1 },
        ],
      },
    });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(sim.url, 'm')).status);
    expect(statuses).toEqual([429, 429, 500, 200, 200]);
    sim.setScript({ m: [{ fault: { kind: 'rate-limit' }, times: 1 }] }); // a new script starts over
    expect((await post(sim.url, 'm')).status).toBe(429);
  });

  it("'*' covers unnamed models; without it an unknown model is a 404 model_not_found", async () => {
    sim = await startSimulator({ script: { known: { kind: 'ok' }, '*': { kind: 'status', status: 502 } } });
    expect((await post(sim.url, 'other')).status).toBe(502);
    sim.setScript({ known: { kind: 'ok' } });
    const missing = await post(sim.url, 'other');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).error).toMatchObject({
      message: 'The model other does not exist',
      code: 'model_not_found',
    });
    expect(sim.counts()).toEqual({ other: 2 });
  });

  it('GET /v1/models lists the scripted models', async () => {
    sim = await startSimulator({ script: { a: { kind: 'ok' }, b: { kind: 'hang' }, '*': { kind: 'ok' } } });
    const res = await request(`${sim.url}/models`);
    const body = (await res.body.json()) as { data: Array<{ id: string }> };
    expect(body.data.map((m) => m.id)).toEqual(['a', 'b']);
  });

  it('rejects an invalid script naming the bad field', async () => {
    sim = await startSimulator();
    expect(() => sim!.setScript({ m: [{ fault: { kind: 'status' } as never }] })).toThrow(
      /m\[0\]\.fault\.status: is required/,
    );
  });
});

describe('counting', () => {
  it('counts per model including faults, records stream and whether a key was sent, never the key', async () => {
    sim = await startSimulator({ script: { a: { kind: 'status', status: 503 }, b: { kind: 'ok' } } });
    await post(sim.url, 'a', { headers: { authorization: 'Bearer sk-canary-123' } });
    await post(sim.url, 'a');
    await post(sim.url, 'b', { stream: true });
    expect(sim.counts()).toEqual({ a: 2, b: 1 });
    expect(
      sim.requests().map(({ model, stream, authorization, fault }) => ({ model, stream, authorization, fault })),
    ).toEqual([
      { model: 'a', stream: false, authorization: true, fault: 'status' },
      { model: 'a', stream: false, authorization: false, fault: 'status' },
      { model: 'b', stream: true, authorization: false, fault: 'ok' },
    ]);
    expect(JSON.stringify(sim.requests())).not.toContain('sk-canary');
    sim.resetCounts();
    expect(sim.counts()).toEqual({});
    expect(sim.requests()).toEqual([]);
  });

  it('answers a body that is not JSON with 400 and counts it', async () => {
    sim = await startSimulator();
    const res = await request(`${sim.url}/chat/completions`, { method: 'POST', body: 'nope' });
    expect(res.statusCode).toBe(400);
    await res.body.dump();
    expect(sim.requests()[0].fault).toBe('bad-request');
  });
});

describe('control endpoints', () => {
  it('script, now, stats and reset work over HTTP', async () => {
    sim = await startSimulator();
    const base = sim.url.replace(/\/v1$/, '');
    const control = async (path: string, body?: unknown) => {
      const res = await request(`${base}/__sim/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.statusCode, json: (await res.body.json()) as any };
    };
    expect((await control('script', OUTAGE)).status).toBe(200);
    expect((await control('now', { now: '2025-04-19T14:20:00Z' })).status).toBe(200);
    expect((await post(sim.url, 'primary')).status).toBe(503);
    expect((await post(sim.url, 'backup')).status).toBe(200);
    const stats = await control('stats');
    expect(stats.json.counts).toEqual({ primary: 1, backup: 1 });
    expect(stats.json.requests[0]).toMatchObject({ model: 'primary', at: Date.parse('2025-04-19T14:20:00Z') });
    expect((await control('now', { now: null })).status).toBe(200);
    expect((await post(sim.url, 'primary')).status).toBe(200);
    expect((await control('reset', {})).status).toBe(200);
    expect((await control('stats')).json.counts).toEqual({});
    const bad = await control('script', { m: { kind: 'explode' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/m\.kind: must be one of/);
  });
});

describe('shutdown and refused connections', () => {
  it('close() returns promptly with a hung and a trickling client connected', async () => {
    let arrivals = 0;
    let bothArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (bothArrived = resolve));
    sim = await startSimulator({
      script: { hung: { kind: 'hang' }, slow: { kind: 'trickle', intervalMs: 5 } },
      onRequest: () => ++arrivals === 2 && bothArrived(),
    });
    const hung = post(sim.url, 'hung').then(
      () => 'answered',
      () => 'failed',
    );
    const slow = post(sim.url, 'slow', { stream: true }).then(
      () => 'answered',
      () => 'failed',
    );
    await arrived;
    const started = performance.now();
    await sim.close();
    sim = undefined;
    // a close that waited for its clients would never return (one hangs, one trickles forever);
    // the bound is far above a loaded machine's delays
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(await Promise.all([hung, slow])).toEqual(['failed', 'failed']);
  });

  it('closedPortUrl() gives a URL whose connection is refused', async () => {
    const url = await closedPortUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    await expect(post(url, 'm')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
