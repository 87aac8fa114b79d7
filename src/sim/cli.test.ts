/** `lucy-ops sim` (src/cli/sim.ts): options, help, and a run with a script file, in-process. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { request } from 'undici';
import { register, runSim } from '../cli/sim.js';
import { CliError } from '../cli/common.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function program(): { program: Command; out: () => string } {
  let out = '';
  const p = new Command('lucy-ops').option('--json').exitOverride();
  p.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  register(p);
  return { program: p, out: () => out };
}

describe('lucy-ops sim', () => {
  it('--help shows the options and an example', async () => {
    const { program: p, out } = program();
    await expect(p.parseAsync(['node', 'lucy-ops', 'sim', '--help'])).rejects.toMatchObject({
      code: 'commander.helpDisplayed',
    });
    expect(out()).toContain('--script <file>');
    expect(out()).toContain('--port <n>');
    expect(out()).toContain('$ lucy-ops sim --port 8799 --script outage.json');
  });

  it('rejects a bad port as a usage error', async () => {
    const { program: p } = program();
    await expect(p.parseAsync(['node', 'lucy-ops', 'sim', '--port', 'eighty'])).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
  });

  it('serves the script file, prints {url, port} under --json, and stops on abort', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lucy-sim-cli-'));
    const file = join(dir, 'script.json');
    await writeFile(file, JSON.stringify({ primary: { kind: 'status', status: 503 } }));
    let printed!: (text: string) => void;
    const firstWrite = new Promise<string>((resolve) => (printed = resolve));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (printed(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    const stop = new AbortController();
    const running = runSim({ port: 0, host: '127.0.0.1', script: file, json: true }, stop.signal);
    const announced = JSON.parse(await firstWrite) as { url: string; port: number };
    expect(announced.url).toBe(`http://127.0.0.1:${announced.port}/v1`);

    const res = await request(`${announced.url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.statusCode).toBe(503);
    await res.body.dump();

    stop.abort();
    expect(await running).toEqual(announced);
    await expect(request(`${announced.url}/models`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a bad script file is a configuration error (78) naming the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lucy-sim-cli-'));
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ m: { kind: 'teapot' } }));
    const err = await runSim({ port: 0, host: '127.0.0.1', script: file }, AbortSignal.abort()).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({ exitCode: 78 });
    expect((err as Error).message).toContain('m.kind');
  });
});
