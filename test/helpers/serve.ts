/** A real `lucy-ops serve` process for e2e tests: started with --port 0, its URL read from its first stdout line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

export interface Serve {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `lucy-ops serve --port 0 --json [args]` in `dir` and reads the bound URL from its first stdout line. */
export async function startServe(
  dir: string,
  env: Record<string, string> = {},
  graceMs = 5000,
  args: string[] = [],
): Promise<Serve> {
  const child = spawn('node', [BIN, 'serve', '--port', '0', '--json', '--grace', String(graceMs), ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
    });
    void exited.then((code) => reject(new Error(`serve exited ${code} before listening: ${stderr}`)));
  });
  return { url, child, stderr: () => stderr, exited };
}
