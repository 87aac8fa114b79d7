import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from './validate.js';

const PROVIDERS = [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }];
const noScheduleProblem = () => undefined;

/** The problems resolveConfig reports for this raw config (none: []). */
function problems(raw: Record<string, unknown>): string[] {
  try {
    resolveConfig({ providers: PROVIDERS, ...raw }, '/x/lucy-ops.config.json', noScheduleProblem);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

describe('resolveConfig problem paths', () => {
  it('names a top-level field without a leading dot', () => {
    expect(problems({ deadlineMs: -1 })).toEqual(['deadlineMs: must be at least 1, got -1']);
    expect(problems({ stateDir: '' })).toEqual(['stateDir: must be a non-empty string, got ""']);
    expect(problems({ atempts: 3 })[0]).toMatch(/^atempts: is not a known field/);
    // nested fields keep their section
    expect(problems({ retry: { attempts: 0 } })).toEqual(['retry.attempts: must be at least 1, got 0']);
    expect(problems({ state: { timeoutMs: 0 } })).toEqual(['state.timeoutMs: must be at least 1, got 0']);
  });
});

describe('providers[i].api', () => {
  const resolved = (api: unknown) =>
    resolveConfig({ providers: [{ ...PROVIDERS[0], api }] }, '/x/lucy-ops.config.json', noScheduleProblem).providers[0];

  it('left out: no api field (the registry reads that as openai); openai: kept', () => {
    expect(resolved(undefined)).not.toHaveProperty('api');
    expect(resolved('openai').api).toBe('openai');
  });

  it('an API lucy-ops does not speak is a problem naming the field path and the known ones', () => {
    const bad = (api: unknown) => problems({ providers: [{ ...PROVIDERS[0], api }] });
    expect(bad('anthropic')).toEqual(['providers[0].api: must be one of openai, got "anthropic"']);
    expect(bad('')).toEqual(['providers[0].api: must be a non-empty string, got ""']);
    expect(bad(7)).toEqual(['providers[0].api: must be a non-empty string, got number 7']);
  });
});

describe('timer limits', () => {
  it('refuses deadlines, timeouts and delays a Node timer cannot hold (they would fire at once)', () => {
    expect(problems({ deadlineMs: 3_000_000_000 })).toEqual([
      'deadlineMs: must be at most 2147483647 (about 24.8 days: longer timers fire at once in Node), got 3000000000',
    ]);
    expect(problems({ retry: { maxDelayMs: 2 ** 31 } })[0]).toMatch(/^retry\.maxDelayMs: must be at most 2147483647/);
    expect(problems({ deadlineMs: 2_147_483_647 })).toEqual([]);
  });
});

describe('outDir', () => {
  it("refuses two generation jobs writing into one folder (each would take the other's files as served)", () => {
    const job = (outDir: string) => ({ schedule: '0 * * * *', prompt: 'x', outDir });
    expect(problems({ jobs: { blog: job('content'), news: job('./content/') } })).toEqual([
      expect.stringMatching(
        /^jobs\.news\.outDir: is also jobs\.blog\.outDir \(.*content\); each generation job needs its own folder/,
      ),
    ]);
    expect(problems({ jobs: { blog: job('content/blog'), news: job('content/news') } })).toEqual([]);
  });
});

describe('job command', () => {
  it('a command given as one string: one problem, with the array it probably meant', () => {
    expect(problems({ jobs: { x: { schedule: '0 * * * *', command: 'npm run x' } } })).toEqual([
      'jobs.x.command: must be an array: the command and its arguments, run without a shell (e.g. ["npm", "run", "x"]), got "npm run x"',
    ]);
  });

  it('an empty command array is bad, but is still a command (no "needs either" line)', () => {
    expect(problems({ jobs: { x: { schedule: '0 * * * *', command: [] } } })).toEqual([
      'jobs.x.command: must be a non-empty array of non-empty strings, got an array',
    ]);
  });

  it('neither prompt nor command; both', () => {
    expect(problems({ jobs: { x: { schedule: '0 * * * *' } } })).toEqual([
      'jobs.x: needs either a prompt (a generation job) or a command (for `lucy-ops run`)',
    ]);
    expect(problems({ jobs: { x: { schedule: '0 * * * *', prompt: 'p', outDir: 'o', command: ['a'] } } })).toEqual([
      'jobs.x: has both prompt and command; a job is one or the other',
    ]);
  });

  it('a valid command job resolves', () => {
    expect(problems({ jobs: { x: { schedule: '0 * * * *', command: ['npm', 'run', 'x'] } } })).toEqual([]);
  });

  it('alerts.command as a string gets the same hint', () => {
    expect(problems({ alerts: { command: 'notify-send x' } })).toEqual([
      'alerts.command: must be an array: the command and its arguments, run without a shell (e.g. ["notify-send", "x"]), got "notify-send x"',
    ]);
  });
});

describe('job names', () => {
  it('refuses the names lucy-ops writes its own records and alert memory under', () => {
    for (const name of ['gaps', 'serve', 'watchdog', 'alerts', 'probe', 'breaker']) {
      expect(problems({ jobs: { [name]: { schedule: '0 * * * *', command: ['true'] } } })).toEqual([
        `jobs.${name}: "${name}" is a name lucy-ops uses itself (its alert memory and log label): choose another`,
      ]);
    }
    expect(problems({ jobs: { 'gaps-daily': { schedule: '0 * * * *', command: ['true'] } } })).toEqual([]);
  });
});

describe('serve limits', () => {
  const serve = (s: Record<string, unknown>) =>
    resolveConfig({ providers: PROVIDERS, serve: s }, '/x/lucy-ops.config.json', noScheduleProblem).serve;

  it('defaults bound a slow client well below node:http (60 s headers, 300 s request, no connection cap)', () => {
    expect(serve({})).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      bodyIdleTimeoutMs: 10_000,
      deliveryTimeoutMs: 5000,
      maxConnections: 256,
    });
    expect(serve({ bodyIdleTimeoutMs: 300, maxConnections: 4 })).toMatchObject({
      bodyIdleTimeoutMs: 300,
      maxConnections: 4,
    });
  });

  it('refuses a headers timeout longer than the whole request (node:http would throw at start), and zero', () => {
    expect(problems({ serve: { headersTimeoutMs: 40_000 } })).toEqual([
      'serve.headersTimeoutMs: must be at most serve.requestTimeoutMs (30000)',
    ]);
    expect(problems({ serve: { maxConnections: 0 } })).toEqual(['serve.maxConnections: must be at least 1, got 0']);
    expect(problems({ serve: { bodyIdleTimeoutMs: 0 } })).toEqual([
      'serve.bodyIdleTimeoutMs: must be at least 1, got 0',
    ]);
    expect(problems({ serve: { deliveryTimeoutMs: 0 } })).toEqual([
      'serve.deliveryTimeoutMs: must be at least 1, got 0',
    ]);
    expect(problems({ serve: { deliveryTimeoutMs: '5s' } })[0]).toMatch(/^serve\.deliveryTimeoutMs: /);
  });
});
