/**
 * serve's Host check over real HTTP: without a token it answers only Host names of this machine
 * (IP addresses, localhost, its hostname, and the names given) on every address it binds, so a
 * DNS-rebinding page cannot read /v1/models or /metrics from a LAN bind either.
 */
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, simConfig, tempProject } from './helpers/cli.js';
import { startServe, type Serve } from './helpers/serve.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
const started: Serve[] = [];
afterAll(async () => {
  for (const s of started) s.child.kill('SIGTERM');
  await Promise.all(started.map((s) => s.exited));
});

async function get(s: Serve, path: string, host: string, headers: Record<string, string> = {}) {
  const { request } = await import('undici');
  // serve listens on 0.0.0.0; the connection goes to 127.0.0.1, the Host header says what a browser would
  const port = new URL(s.url).port;
  const r = await request(`http://127.0.0.1:${port}${path}`, { headers: { host, ...headers } });
  return { status: r.statusCode, text: await r.body.text() };
}

describe('serve --host 0.0.0.0 --allow-no-token', () => {
  it('refuses a rebound Host on /v1/models and /metrics; answers IPs, localhost, this machine and the names given', async () => {
    const dir = tempProject(simConfig({ primary: sim.url }, { serve: { allowedHosts: ['Build-Agent.internal'] } }));
    const s = await startServe(dir, {}, 5000, [
      '--host',
      '0.0.0.0',
      '--allow-no-token',
      '--allowed-host',
      'ops-box.lan',
      '--allowed-host',
      'ops-box',
    ]);
    started.push(s);
    const port = new URL(s.url).port;
    for (const path of ['/v1/models', '/metrics']) {
      const rebound = await get(s, path, `attacker.example:${port}`);
      expect(rebound.status, path).toBe(403);
      expect(rebound.text).toContain('Host \\"attacker.example\\" is not a name of this machine');
      expect(rebound.text).toContain('--allowed-host');
    }
    expect((await get(s, '/v1/models', `ops-box.lan.evil.example:${port}`)).status).toBe(403);
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      `192.168.7.7:${port}`,
      `[fe80::1]:${port}`,
      `${os.hostname()}:${port}`,
      `ops-box.lan:${port}`,
      'OPS-BOX',
      `build-agent.internal:${port}`,
    ]) {
      expect((await get(s, '/v1/models', host)).status, host).toBe(200);
    }
    expect((await get(s, '/metrics', `ops-box.lan:${port}`)).text).toContain('lucy_ops');
    // /healthz stays open to anyone (a load balancer's probe)
    expect((await get(s, '/healthz', `attacker.example:${port}`)).status).toBe(200);
  });

  it('with a token, any Host that brings the token is answered (the token keeps pages out), as before', async () => {
    const dir = tempProject(simConfig({ primary: sim.url }, { serve: { tokenEnv: 'LUCY_TEST_SERVE_TOKEN' } }));
    const token = 'serve-hosts-token-0123456789';
    const s = await startServe(dir, { LUCY_TEST_SERVE_TOKEN: token }, 5000, ['--host', '0.0.0.0']);
    started.push(s);
    const auth = { authorization: `Bearer ${token}` };
    expect((await get(s, '/v1/models', 'attacker.example', auth)).status).toBe(200);
    expect((await get(s, '/v1/models', 'attacker.example')).status).toBe(401);
  });

  it('refuses a name that is not a host name: --allowed-host is a usage error, serve.allowedHosts a config error', async () => {
    const dir = tempProject(simConfig({ primary: sim.url }));
    const flag = await runCli(['serve', '--allowed-host', 'http://ops-box.lan:8787'], { cwd: dir });
    expect(flag.exitCode).toBe(64);
    expect(flag.stderr).toContain('--allowed-host: "http://ops-box.lan:8787" is not a host name');
    const bad = tempProject(simConfig({ primary: sim.url }, { serve: { allowedHosts: ['ok.lan', 'bad name'] } }));
    const config = await runCli(['serve'], { cwd: bad });
    expect(config.exitCode).toBe(78);
    expect(config.stderr).toContain('serve.allowedHosts[1]: "bad name" is not a host name');
  });
});
