/**
 * `lucy-ops serve`: the OpenAI-compatible failover proxy. Runs until SIGTERM/SIGINT, then stops
 * accepting, lets in-flight requests finish (bounded by --grace), and exits 0.
 */
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { CliError, say } from './common.js';
import { msFlag, parsePort } from './flags.js';
import { command } from './lifecycle.js';
import { missingVariable } from '../config/errors.js';
import { hostNameProblem } from '../config/host-name.js';

interface ServeFlags {
  port: number;
  host: string;
  /** Always set: the option has a default. */
  grace: string;
  allowNoToken?: boolean;
  allowedHost: string[];
}

const HELP = `
Point any OpenAI client at http://HOST:PORT/v1. The request's "model" is "auto" (the whole
chain) or a provider name (the chain from that provider on). Every answer carries
x-lucy-provider, x-lucy-model and x-lucy-degraded; x-lucy-job: LABEL logs a request as job
serve:LABEL (default "serve"; never a cron job's name). With serve.tokenEnv set, clients send "Authorization: Bearer <token>".

Routes: POST /v1/chat/completions, GET /v1/models, GET /healthz (503 when no provider can
serve), GET /metrics (Prometheus text).

Without a token, serve answers only requests whose Host is an IP address, localhost or this
machine's name (a web page can point a name of its own at serve); --allowed-host (or
serve.allowedHosts) adds names such as a LAN alias.

Examples:
  lucy-ops serve                       # http://127.0.0.1:8787/v1
  lucy-ops serve --port 0 --json       # first stdout line: {"url":...,"port":...}
  lucy-ops serve --host 0.0.0.0 --allow-no-token --allowed-host ops-box.lan
  curl -s localhost:8787/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"auto","messages":[{"role":"user","content":"hi"}]}' -D -`;

export function register(program: Command): void {
  program
    .command('serve')
    .description('run an OpenAI-compatible proxy that sends every request through the failover chain')
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 8787)
    .option('--host <host>', 'address to listen on (not loopback: set serve.tokenEnv)', '127.0.0.1')
    .option(
      '--allow-no-token',
      'listen on a non-loopback address without a token (anyone who can reach it may call it)',
    )
    .option(
      '--allowed-host <name>',
      "without a token, also answer requests for this Host name (repeatable; besides IP addresses, localhost and this machine's name)",
      (name: string, names: string[]) => [...names, name],
      [] as string[],
    )
    .option(
      '--grace <ms>',
      'on SIGTERM, how long in-flight requests may take to finish (ms, or a duration like 10s; 0 = abort at once)',
      '10000',
    )
    .addHelpText('after', HELP)
    .action(
      command(async (run, flags: ServeFlags) => {
        const graceMs = msFlag('--grace', flags.grace, { allowZero: true });
        for (const name of flags.allowedHost) {
          const problem = hostNameProblem(name);
          if (problem) throw new CliError(`--allowed-host: ${problem}`, ExitCode.usage);
        }
        const config = await run.config({ warnings: true }); // once, at start
        const token = config.serve.tokenEnv ? process.env[config.serve.tokenEnv] : undefined;
        if (config.serve.tokenEnv && !token) {
          throw new CliError(
            `configuration error in ${config.configPath}:\n  serve.tokenEnv: environment variable ${config.serve.tokenEnv} ${missingVariable(token)}`,
            ExitCode.config,
          );
        }
        const warn = (m: string) => run.stderr(m);
        if (token && flags.allowedHost.length > 0)
          run.warn('--allowed-host: not used with a token (the token is what keeps web pages out)');
        // an open proxy spends the provider credits of whoever runs it: only on purpose
        if (!token && !(await import('../serve/browser-guard.js')).isLoopbackAddress(flags.host)) {
          if (!flags.allowNoToken)
            throw new CliError(
              `configuration error in ${config.configPath}:\n  serve.tokenEnv: not set, and --host ${flags.host} is not loopback: anyone who can reach it could spend your provider credits (set serve.tokenEnv, or pass --allow-no-token on purpose)`,
              ExitCode.config,
            );
          run.warn(
            `serving on ${flags.host} without a token (--allow-no-token): anyone who can reach it can spend your provider credits`,
          );
        }
        const { createChainInternals } = await import('../api/chain.js');
        const chain = await createChainInternals(config, { job: 'serve', warn });
        run.closeProviders();
        const { startServer } = await import('../serve/server.js');
        let server;
        try {
          const allowedHosts = [...config.serve.allowedHosts, ...flags.allowedHost];
          server = await startServer({ chain, host: flags.host, port: flags.port, token, allowedHosts, warn });
        } catch (err) {
          await chain.close();
          throw new CliError(
            `serve: cannot listen on ${flags.host}:${flags.port}: ${(err as Error).message}`,
            ExitCode.failed,
          );
        }
        // Listen for the stop signal BEFORE saying we are up: a supervisor (or a test) that sends
        // SIGTERM the moment it reads the address must not hit the default action (an abrupt exit).
        const signalled = new Promise<NodeJS.Signals>((resolve) => {
          process.once('SIGTERM', () => resolve('SIGTERM'));
          process.once('SIGINT', () => resolve('SIGINT'));
        });
        const chainText = config.providers.map((p) => p.name).join(' → ');
        // One line, first on stdout, so scripts (and tests with --port 0) can read the address.
        if (run.json)
          process.stdout.write(
            JSON.stringify({
              url: server.url,
              baseUrl: `${server.url}/v1`,
              host: server.host,
              port: server.port,
              providers: config.providers.map((p) => p.name),
            }) + '\n',
          );
        else say(`lucy-ops serve listening on ${server.url} (OpenAI base URL ${server.url}/v1; chain ${chainText})`);

        const signal = await signalled;
        warn(`${signal}: no new connections; waiting up to ${graceMs} ms for ${server.inFlight} in-flight request(s)`);
        // A second signal aborts what still runs at once (each run is logged as aborted) and exits 1
        // without waiting for after-run hooks; a third exits at once.
        let hurried = false;
        const force = (again: NodeJS.Signals) => {
          if (hurried) process.exit(ExitCode.failed);
          hurried = true;
          warn(`${again} again: aborting ${server.inFlight} in-flight request(s) now`);
          server.hurry();
        };
        process.on('SIGTERM', force).on('SIGINT', force);
        run.onCleanup(() => process.off('SIGTERM', force).off('SIGINT', force));
        const { aborted } = await server.close(graceMs);
        if (aborted > 0)
          warn(
            `aborted ${aborted} request(s) still running ${hurried ? 'at the second signal' : `after ${graceMs} ms`}`,
          );
        // what the job log holds (the aborted runs' run.end among them) is written at exit
        if (hurried) process.exit(ExitCode.failed);
        await chain.close();
        // Everything is closed; do not let a forgotten timer keep the process (and its port) alive.
        setTimeout(() => process.exit(process.exitCode ?? ExitCode.ok), 2000).unref();
      }),
    );
}
