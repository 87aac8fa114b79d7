/**
 * A provider answering HTTP 400 with a body built to make a regex go quadratic (64 KB of `<`,
 * `<script ` or `<style ` without their `>`, `<script>` without its closing tag) against a real
 * `lucy-ops serve`: each request still fails over and is answered by the next provider in the
 * chain, /healthz answers meanwhile, and serve spends little CPU on all five. When the error
 * snippet's patterns were quadratic one such request held the event loop for ~12 s of CPU. CPU
 * time, not the wall clock, is the measure: a loaded machine stretches the wall clock by any
 * factor, but not the work a process does (npm run bench -- scrub times the patterns themselves).
 */
import fs from 'node:fs';
import OpenAI from 'openai';
import { afterAll, expect, it } from 'vitest';
import { patient, readLog, simConfig, tempProject } from './helpers/cli.js';
import { startServe, type Serve } from './helpers/serve.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
const started: Serve[] = [];
afterAll(() => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});

const KB64 = 64 * 1024;
const hostile = (unit: string) => unit.repeat(Math.ceil(KB64 / Buffer.byteLength(unit))).slice(0, KB64);
const UNITS = ['<', '<script ', '<style ', '<script>', '\u2039'];

/**
 * The CPU time (user + system) a process has used so far, in ms, from Linux's /proc/<pid>/stat:
 * utime and stime are its 14th and 15th fields, in clock ticks of 1/100 s (USER_HZ).
 */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the fields after the command name, which is in parentheses and may hold spaces: state is first
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

it('five hostile 64 KB error bodies: serve answers each with the fallback and /healthz stays answering', async () => {
  // attempts that cannot time out: each 400 stays a 400 and llama answers, however loaded the machine
  const dir = tempProject({
    ...patient(simConfig({ primary: sim.url })),
    breaker: { failureThreshold: 50, cooldownMs: 300_000 },
  });
  const serve = await startServe(dir);
  started.push(serve);
  const client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const cpuBefore = cpuMs(serve.child.pid!);
  for (const unit of UNITS) {
    const body = hostile(unit);
    sim.setScript({
      'deepseek-v3': { kind: 'status', status: 400, body, contentType: 'text/html' },
      '*': { kind: 'ok' },
    });
    const asked = client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    const health = await fetch(`${serve.url}/healthz`);
    expect(health.status).toBe(200);
    const { data, response } = await asked;
    expect(response.headers.get('x-lucy-provider'), JSON.stringify(unit)).toBe('llama-3.3-70b');
    expect(data.choices[0].message.content).toContain('llama-3.3-70b');
  }
  // 0.25-0.4 s of CPU for all five at load 20; one quadratic request alone took ~12 s
  expect(cpuMs(serve.child.pid!) - cpuBefore).toBeLessThan(5_000);
  // serve appends a request's records just after its answer: a graceful stop writes the last ones
  serve.child.kill('SIGTERM');
  expect(await serve.exited).toBe(0);
  // each 400 is recorded with the provider's own words, cut short
  const errors = readLog(dir)
    .filter((r) => r.event === 'attempt.end' && r.provider === 'deepseek-v3')
    .map((r) => String(r.error));
  expect(errors).toHaveLength(UNITS.length);
  for (const e of errors) {
    expect(e).toMatch(/^HTTP 400 from deepseek-v3/);
    expect(e.length).toBeLessThan(400);
  }
});
