/**
 * `probe providers` end to end: the built CLI in new processes against the real simulator.
 */
import net, { type AddressInfo } from 'node:net';
import { beforeEach, expect, it } from 'vitest';
import { patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
beforeEach(() => {
  sim.resetCounts();
});

/**
 * Every project here is `patient`: a probe's --timeout (default 10 s) replaces the provider's
 * timeoutMs but not a longer idleTimeoutMs, and generate (in the breaker tests) uses both, so
 * simConfig's 1.5 s and 0.5 s would let a loaded machine turn an answer or a 503 into a timeout.
 */
const probe = (dir: string, args: string[] = [], env: Record<string, string> = {}) =>
  runCli(['probe', 'providers', '--json', ...args], { cwd: dir, env });
const byName = (json: any) => Object.fromEntries(json.providers.map((p: any) => [p.provider, p]));

it('one provider down: exit 0 without --strict, 1 with it; latency is measured; probe records are logged', async () => {
  sim.setScript({
    'deepseek-v3': { kind: 'status', status: 503 },
    'qwen-72b': { kind: 'ok', latencyMs: 3000 },
    '*': { kind: 'ok' },
  });
  const dir = tempProject(patient(simConfig({ primary: sim.url })));

  const r = await probe(dir);
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.stderr).not.toContain('lucy-ops: probe:'); // exit 0: nothing for cron to mail
  const p = byName(r.json);
  expect(Object.keys(p)).toEqual(['deepseek-v3', 'llama-3.3-70b', 'qwen-72b']);
  expect(p['deepseek-v3']).toMatchObject({
    model: 'deepseek-v3',
    ok: false,
    httpStatus: 503,
    errorType: 'server',
    breaker: 'closed',
  });
  expect(p['llama-3.3-70b']).toMatchObject({ ok: true, breaker: 'closed' });
  expect(p['qwen-72b'].ok).toBe(true);
  for (const one of r.json.providers) expect(one.latencyMs).toBeGreaterThan(0);
  // the simulator holds qwen's answer 3 s (well inside the probe's 10 s): the measured latency
  // cannot be less, and llama's answer, not held, comes sooner unless a loaded machine stalls
  // llama's exchange alone for three seconds more than qwen's
  expect(p['qwen-72b'].latencyMs).toBeGreaterThanOrEqual(3000);
  expect(p['llama-3.3-70b'].latencyMs).toBeLessThan(p['qwen-72b'].latencyMs);
  // exactly one tiny request each, all at once
  expect(sim.counts()).toEqual({ 'deepseek-v3': 1, 'llama-3.3-70b': 1, 'qwen-72b': 1 });

  const log = readLog(dir).filter((l) => l.event === 'probe');
  expect(log).toHaveLength(3);
  for (const rec of log)
    expect(rec).toMatchObject({
      job: 'probe',
      trigger: 'manual',
      runId: log[0].runId,
      scheduledFor: expect.any(String),
    });
  expect(log.find((l) => l.provider === 'deepseek-v3')).toMatchObject({
    ok: false,
    httpStatus: 503,
    errorType: 'server',
    model: 'deepseek-v3',
  });
  expect(log.find((l) => l.provider === 'qwen-72b').latencyMs).toBe(p['qwen-72b'].latencyMs);

  const strict = await probe(dir, ['--strict']);
  expect(strict.exitCode).toBe(1);
  // one stderr line per failed provider, whatever stdout is (here --json; in cron, /dev/null)
  expect(strict.stderr.trim().split('\n')).toEqual([
    expect.stringMatching(/^lucy-ops: probe: deepseek-v3 failed \(server\): .*503/),
  ]);
  expect(strict.json.providers).toHaveLength(3);
});

it('none answers: exit 69, with or without --strict', async () => {
  sim.setScript({ '*': { kind: 'status', status: 502 } });
  const dir = tempProject(patient(simConfig({ primary: sim.url })));
  const r = await probe(dir);
  expect(r.exitCode).toBe(69);
  expect(r.json.providers.every((p: any) => p.ok === false && p.httpStatus === 502)).toBe(true);
  // the morning smoke check runs with >/dev/null: stderr alone must say it (cron mails it)
  expect(r.stderr.trim().split('\n')).toEqual(
    ['deepseek-v3', 'llama-3.3-70b', 'qwen-72b'].map((name) =>
      expect.stringMatching(new RegExp(`^lucy-ops: probe: ${name} failed \\(server\\): .*502`)),
    ),
  );
  // the same lines when stdout is the table (the table does not repeat the errors)
  const human = await runCli(['probe', 'providers'], { cwd: dir });
  expect(human.exitCode).toBe(69);
  expect(human.stderr.trim().split('\n')).toHaveLength(3);
  expect(human.stdout).not.toMatch(/^deepseek-v3: /m);
  expect((await probe(dir, ['--strict'])).exitCode).toBe(69);
});

it('--timeout bounds each request, below the provider timeoutMs', async () => {
  // only the hanging provider is probed: the flag bounds every request, so on a loaded machine an
  // answering provider could time out at 300 ms too and change the exit code; with none that can
  // answer, the verdict is fixed (69, none answered) and the one result is the bound's
  sim.setScript({ 'deepseek-v3': { kind: 'hang' }, '*': { kind: 'ok' } });
  const config = patient(simConfig({ primary: sim.url })) as { providers: Array<{ name: string }> };
  const dir = tempProject({ ...config, providers: config.providers.filter((p) => p.name === 'deepseek-v3') });
  const r = await probe(dir, ['--timeout', '300ms']);
  expect(r.exitCode, r.stderr).toBe(69);
  expect(r.json.providers).toHaveLength(1);
  const hung = byName(r.json)['deepseek-v3'];
  expect(hung).toMatchObject({ ok: false, errorType: 'timeout' });
  expect(hung.latencyMs).toBeGreaterThanOrEqual(290);
  // the bound is the flag, not the config field it replaced (300 s here) nor the probe's default
  // (10 s): the error names the one that ended it, however late a loaded machine fired it
  expect(hung.error).toBe('no response headers from deepseek-v3 within --timeout 300 ms');
  expect(r.stderr).toContain('lucy-ops: probe: deepseek-v3 failed (timeout)');
  expect((await probe(dir, ['--timeout', 'soon'])).exitCode).toBe(64);
});

it('a missing or empty API key variable: exit 78 (as generate), the others still probed; keys never show', async () => {
  sim.setScript({ '*': { kind: 'ok' } });
  const config = patient(simConfig({ primary: sim.url })) as any;
  config.providers[0].apiKeyEnv = 'LUCY_TEST_UNSET_KEY';
  config.providers[1].apiKeyEnv = 'LUCY_TEST_SET_KEY';
  const dir = tempProject(config);
  const secret = 'sk-test-probe-secret-0123456789abcdef';
  const r = await probe(dir, [], { LUCY_TEST_SET_KEY: secret });
  // a missing secret is not an outage: 78 even though a provider answered
  expect(r.exitCode).toBe(78);
  expect(r.stderr.trim().split('\n')).toEqual([
    'lucy-ops: probe: deepseek-v3 failed (missing-key): environment variable LUCY_TEST_UNSET_KEY is not set',
  ]);
  const p = byName(r.json);
  expect(p['deepseek-v3']).toMatchObject({ ok: false, sent: false, errorType: 'missing-key', latencyMs: 0 });
  expect(p['llama-3.3-70b']).not.toHaveProperty('sent');
  expect(p['deepseek-v3'].error).toContain('LUCY_TEST_UNSET_KEY');
  expect(p['llama-3.3-70b'].ok).toBe(true);
  expect(sim.counts()['deepseek-v3']).toBeUndefined();
  expect(sim.requests().find((q) => q.model === 'llama-3.3-70b')?.authorization).toBe(true);
  expect(r.stdout + r.stderr + JSON.stringify(readLog(dir))).not.toContain(secret);

  // set but empty (a blank line in an env file) is 78 too, and says so; it wins over 69
  sim.setScript({ '*': { kind: 'status', status: 503 } });
  const empty = await probe(dir, [], { LUCY_TEST_UNSET_KEY: '', LUCY_TEST_SET_KEY: secret });
  expect(empty.exitCode).toBe(78);
  expect(empty.stderr).toContain(
    'lucy-ops: probe: deepseek-v3 failed (missing-key): environment variable LUCY_TEST_UNSET_KEY is empty',
  );
  expect(empty.stderr.trim().split('\n')).toHaveLength(3);

  // people see a request that was never sent as such: no latency, no "NO", and why
  const human = await runCli(['probe', 'providers'], { cwd: dir, env: { LUCY_TEST_SET_KEY: secret } });
  expect(human.stdout).toMatch(/^deepseek-v3\s+deepseek-v3\s+not sent\s+-\s+-\s+missing-key/m);
  expect(human.stdout).toContain('no provider answered; 1 not tried: key variable unset or empty');
  const none = await runCli(['probe', 'providers'], { cwd: dir, env: { LUCY_TEST_SET_KEY: '' } });
  expect(none.exitCode).toBe(78);
  expect(none.stdout).toContain('no provider answered; 2 not tried: key variable unset or empty');
});

it('a 404 from a baseUrl without /v1 says the likely fix', async () => {
  sim.setScript({ '*': { kind: 'ok' } });
  const dir = tempProject(patient(simConfig({ primary: sim.url.replace(/\/v1$/, ''), fallback: sim.url })));
  const r = await probe(dir, ['--strict']);
  expect(r.exitCode).toBe(1);
  expect(byName(r.json)['deepseek-v3']).toMatchObject({ ok: false, httpStatus: 404 });
  expect(byName(r.json)['deepseek-v3'].error).toContain(`likely fix: ${sim.url}`);
  expect(r.stderr).toContain(`likely fix: ${sim.url}`);
});

it('a breaker opened by failures: the probe calls the provider, and its success closes the breaker (said in the output and the log)', async () => {
  sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
  const dir = tempProject(patient(simConfig({ primary: sim.url })));
  const now = { LUCY_OPS_NOW: '2026-04-19T14:00:05Z' };
  // three failed attempts (= failureThreshold) open it; the fallback serves
  expect((await runCli(['generate', 'threads', '--json', '--force'], { cwd: dir, env: now })).exitCode).toBe(0);
  expect((await runCli(['breaker', 'status', '--json'], { cwd: dir, env: now })).json.providers[0]).toMatchObject({
    state: 'open',
  });

  sim.setScript({ '*': { kind: 'ok' } });
  sim.resetCounts();
  const r = await probe(dir, [], now);
  expect(r.exitCode).toBe(0);
  expect(sim.counts()['deepseek-v3']).toBe(1);
  expect(byName(r.json)['deepseek-v3']).toMatchObject({ ok: true, breaker: 'closed', closedBreaker: true });
  expect(byName(r.json)['deepseek-v3'].keptOpen).toBeUndefined();
  expect(readLog(dir).filter((l) => l.event === 'breaker.close')).toEqual([
    expect.objectContaining({ job: 'probe', provider: 'deepseek-v3', from: 'open', by: 'probe' }),
  ]);

  const status = await runCli(['breaker', 'status', '--json'], { cwd: dir, env: now });
  expect(status.json.providers[0]).toMatchObject({ provider: 'deepseek-v3', state: 'closed' });
});

it('a hand trip survives a successful probe: the provider is called, the breaker stays open, and the output says until when', async () => {
  sim.setScript({ '*': { kind: 'ok' } });
  const dir = tempProject(patient(simConfig({ primary: sim.url })));
  const now = { LUCY_OPS_NOW: '2026-04-19T14:00:00Z' };
  expect((await runCli(['breaker', 'trip', 'deepseek-v3', '--for', '2h'], { cwd: dir, env: now })).exitCode).toBe(0);
  // LUCY_OPS_NOW pins the start; time flows from there, so read the trip's end as stored
  const until: string = (await runCli(['breaker', 'status', '--json'], { cwd: dir, env: now })).json.providers[0]
    .retryAt;
  expect(until).toMatch(/^2026-04-19T16:00:00\.\d{3}Z$/);

  const r = await probe(dir, [], now);
  expect(r.exitCode).toBe(0);
  expect(sim.counts()['deepseek-v3']).toBe(1); // a diagnostic: the provider is still asked
  const p = byName(r.json)['deepseek-v3'];
  expect(p).toMatchObject({ ok: true, breaker: 'open', keptOpen: true, trippedUntil: until });
  expect(p.closedBreaker).toBeUndefined();
  expect(p.note).toContain(`deepseek-v3 answered; its breaker stays open: tripped by hand until ${until}`);
  expect(p.note).toContain('lucy-ops breaker reset deepseek-v3 to close it');
  expect(readLog(dir).filter((l) => l.event === 'breaker.close')).toEqual([]);
  expect(readLog(dir).find((l) => l.event === 'probe' && l.provider === 'deepseek-v3')).toMatchObject({
    ok: true,
    breaker: 'open',
    keptOpen: true,
    trippedUntil: until,
  });

  const text = await runCli(['probe', 'providers'], { cwd: dir, env: now });
  expect(text.stdout).toMatch(/deepseek-v3.*yes.*open \(tripped by hand, kept\)/);
  expect(text.stdout).toContain(`deepseek-v3 answered; its breaker stays open: tripped by hand until ${until}, in 2h`);
  expect(text.stdout).not.toContain('breaker is now closed');

  const status = await runCli(['breaker', 'status', '--json'], { cwd: dir, env: now });
  expect(status.json.providers[0]).toMatchObject({
    provider: 'deepseek-v3',
    state: 'open',
    by: 'manual',
    retryAt: until,
  });

  // once the hand trip's time is over, a success closes it like any open breaker whose trial is due
  const later = await probe(dir, [], { LUCY_OPS_NOW: '2026-04-19T16:00:01Z' });
  expect(byName(later.json)['deepseek-v3']).toMatchObject({ ok: true, breaker: 'closed', closedBreaker: true });
});

it('a refused connection names the host:port from baseUrl, so a wrong port shows', async () => {
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  sim.setScript({ '*': { kind: 'ok' } });
  const dir = tempProject(
    patient(simConfig({ primary: `http://127.0.0.1:${port}/v1?k=secret-query`, fallback: sim.url })),
  );
  const r = await probe(dir);
  expect(r.exitCode).toBe(0);
  const refused = byName(r.json)['deepseek-v3'];
  expect(refused).toMatchObject({
    ok: false,
    errorType: 'connect',
    error: `cannot connect to deepseek-v3 at 127.0.0.1:${port} (ECONNREFUSED)`,
  });
  expect(r.stdout).not.toContain('secret-query');
});

it('a failed probe leaves the breaker alone', async () => {
  sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
  const dir = tempProject(patient(simConfig({ primary: sim.url })));
  for (let i = 0; i < 3; i++) await probe(dir); // = breaker.failureThreshold
  const status = await runCli(['breaker', 'status', '--json'], { cwd: dir });
  expect(status.json.providers[0]).toMatchObject({ provider: 'deepseek-v3', state: 'closed', consecutiveFailures: 0 });
});

it('prints a table for people: every provider, its latency, status, error class and breaker', async () => {
  sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
  const dir = tempProject(patient(simConfig({ primary: sim.url })));
  const r = await runCli(['probe', 'providers'], { cwd: dir });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toMatch(/provider.*model.*ok.*latency.*status.*error.*breaker/);
  expect(r.stdout).toMatch(/deepseek-v3.*NO.*\d+ ms.*503.*server.*closed/);
  expect(r.stdout).toMatch(/llama-3\.3-70b.*yes.*\d+ ms.*200/);
  expect(r.stdout).toContain('2 of 3 providers answered');
  expect(r.stdout).not.toMatch(/\u001b\[/); // NO_COLOR (and not a TTY)
});
