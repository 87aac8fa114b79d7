/**
 * Start and stop a real `redis-server` for tests: a loopback port, a temp dir, no persistence.
 * Never touches a system service. When the binary is missing, tests skip with a clear message on a
 * developer machine, but FAIL when `CI` is set (CI installs the Debian package).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:PORT/0 (with credentials when started with a password). */
  url: string;
  dir: string;
  process: ChildProcess;
  /** SIGKILL the server (a crash, not a shutdown) and wait until it is gone. */
  kill(): Promise<void>;
  /** Stop the server and remove its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  password?: string;
  /** Listen on this port (e.g. a "restarted" server on a killed one's port); default a free one. */
  port?: number;
  /** Extra `--name value` arguments. */
  args?: string[];
}

const INSTALL_HINT = 'apt-get update && apt-get install -y redis-server';

/** The redis-server binary: $REDIS_SERVER_BIN, else the first one on PATH (or /usr/bin, /usr/sbin). */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = env.REDIS_SERVER_BIN
    ? [env.REDIS_SERVER_BIN]
    : [...(env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin']
        .filter(Boolean)
        .map((dir) => join(dir, 'redis-server'));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Whether Redis tests can run. Missing binary: throws under CI (the suite must fail, not pass
 * silently), otherwise warns once and returns false so the caller can `describe.skipIf(!ok)`.
 */
export function redisTestsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (findRedisServer(env)) return true;
  const message = `redis-server not found (PATH or $REDIS_SERVER_BIN); Redis tests need it (${INSTALL_HINT})`;
  if (env.CI && env.CI !== 'false' && env.CI !== '0')
    throw new Error(`${message}. CI is set, so this is a failure, not a skip.`);
  console.warn(`SKIPPING Redis tests: ${message}`);
  return false;
}

/** A loopback port that was free a moment ago (also handy as a port where nothing listens). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Resolves when the server logs that it accepts connections; rejects if it exits first. */
function ready(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => finish(new Error(`redis-server not ready after ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) finish();
    };
    const onExit = (code: number | null) => finish(new Error(`redis-server exited (${code}):\n${output}`));
    function finish(error?: Error) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

export async function startRedisServer(options: StartOptions = {}): Promise<RedisServer> {
  const binary = findRedisServer();
  if (!binary) throw new Error(`redis-server not found (${INSTALL_HINT})`);
  const dir = mkdtempSync(join(tmpdir(), 'lucy-redis-'));
  let lastError: unknown;
  // A free port can be taken between probing and binding; try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = options.port ?? (await freePort());
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--dir', dir, '--daemonize', 'no', '--logfile', '', '--loglevel', 'notice');
    if (options.password) args.push('--requirepass', options.password);
    args.push(...(options.args ?? []));
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr?.resume();
    try {
      // a bound against a wedged server, not a budget: on a loaded machine a start can take seconds
      await ready(child, 120_000);
    } catch (error) {
      lastError = error;
      child.kill('SIGKILL');
      await exited(child);
      continue;
    }
    child.stdout?.resume();
    const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
    let stopped = false;
    const server: RedisServer = {
      port,
      url: `redis://${auth}127.0.0.1:${port}/0`,
      dir,
      process: child,
      async kill() {
        child.kill('SIGKILL');
        await exited(child);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        child.kill('SIGKILL');
        await exited(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return server;
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}
