/**
 * `lucy-ops sim`: run the fault-injecting provider simulator so users can rehearse their own config
 * (point providers' baseUrl at it, script outages per model). Runs until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { CliError, printJson, say } from './common.js';
import { command } from './lifecycle.js';
import { parsePort } from './flags.js';
import { ExitCode } from '../exit-codes.js';
import type { SimRequestRecord } from '../sim/types.js';

export interface SimCommandOptions {
  port: number;
  host: string;
  script?: string;
  now?: string;
  quiet?: boolean;
  json?: boolean;
}

const HELP = `
Every request's "model" picks its behaviour from the script; without --script every model answers ok.
Script format (JSON; full reference in src/sim/README.md):
  {
    "deepseek-ai/DeepSeek-V3": [
      { "fault": { "kind": "status", "status": 503 }, "from": "2025-04-19T14:14:00Z", "until": "2025-04-19T14:59:00Z" }
    ],
    "meta-llama/Llama-3.3-70B-Instruct-Turbo": { "kind": "rate-limit", "retryAfterS": 2 },
    "*": { "kind": "ok", "latencyMs": 200 }
  }
Fault kinds: ok, status, rate-limit, context-length, hang, trickle, cut, invalid-json, error-body,
empty-choices, reset. Windows use the x-lucy-sim-now header (sent by lucy-ops under LUCY_OPS_NOW),
else --now, else real time. Control: POST /__sim/script, POST /__sim/now, GET /__sim/stats, POST /__sim/reset.

Example:
  $ lucy-ops sim --port 8799 --script outage.json
  # then, in the config: baseUrl: 'http://127.0.0.1:8799/v1'
  $ LUCY_OPS_NOW=2025-04-19T14:20:00Z lucy-ops generate blog
  $ curl -s http://127.0.0.1:8799/__sim/stats
`;

export function register(program: Command): void {
  program
    .command('sim')
    .description('run the fault-injecting OpenAI-compatible provider simulator until SIGINT/SIGTERM')
    .option('--port <n>', 'port to listen on (0 = any free port)', parsePort, 8799)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--script <file>', 'JSON sim script: per model, a fault or a list of timed rules')
    .option('--now <iso>', 'pin sim time for the script windows (a request header overrides it)')
    .option('-q, --quiet', 'do not log each request to stderr')
    .addHelpText('after', HELP)
    .action(
      command(async (run, opts: SimCommandOptions) => {
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        run.onCleanup(() => process.off('SIGINT', onSignal).off('SIGTERM', onSignal));
        await runSim({ ...opts, json: run.json }, stop.signal);
      }),
    );
}

/** Starts the simulator, announces it, and keeps it up until `signal` aborts. */
export async function runSim(opts: SimCommandOptions, signal: AbortSignal): Promise<{ url: string; port: number }> {
  const { startSimulator, loadSimScript } = await import('../sim/server.js');
  let script;
  if (opts.script) {
    try {
      script = await loadSimScript(opts.script);
    } catch (err) {
      throw new CliError(`sim script: ${(err as Error).message}`, ExitCode.config);
    }
  }
  if (opts.now !== undefined && Number.isNaN(Date.parse(opts.now))) {
    throw new CliError(`--now is not an ISO time: ${JSON.stringify(opts.now)}`, ExitCode.usage);
  }
  let sim;
  try {
    sim = await startSimulator({
      port: opts.port,
      host: opts.host,
      script,
      now: opts.now,
      onRequest: opts.quiet ? undefined : logRequest,
    });
  } catch (err) {
    throw new CliError(`sim: cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`, ExitCode.failed);
  }
  const where = { url: sim.url, port: sim.port };
  if (opts.json) printJson(where);
  else {
    say(`lucy-ops sim listening on ${sim.url}`);
    say(opts.script ? `script: ${opts.script}` : 'no script: every model answers ok');
    say('stop with Ctrl-C');
  }
  if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  await sim.close();
  return where;
}

function logRequest(r: SimRequestRecord): void {
  const flags = [r.stream ? 'stream' : '', r.authorization ? '' : 'no-auth'].filter(Boolean).join(' ');
  process.stderr.write(
    `${new Date(r.at).toISOString()} ${r.model || '(none)'}${flags ? ` [${flags}]` : ''} → ${r.fault}\n`,
  );
}
