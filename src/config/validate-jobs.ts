/**
 * Validation of `jobs` and of the cron semantics they are judged by: each job's name, schedule,
 * kind, prompt or command, chain, and that no two generation jobs share an output folder.
 */
import type { CronSemantics, ResolvedJob } from './types.js';
import { MAX_TIMER_MS } from '../time.js';
import { PLACEHOLDERS, unknownPlaceholders } from './placeholders.js';
import { RESERVED_JOB_NAMES } from './reserved-names.js';
import { Checker, describe, field, isObj, type Obj } from './field-checker.js';

const JOB = [
  'schedule',
  'tz',
  'cron',
  'kind',
  'prompt',
  'outDir',
  'system',
  'maxTokens',
  'providers',
  'command',
  'deadlineMs',
] as const;
const KINDS = ['blog', 'thread', 'story'];

/** What a job's checks need from the rest of the config. */
export interface JobCheckContext {
  /** The top-level `cron`, a job's default. */
  cron: CronSemantics;
  providerNames: ReadonlySet<string>;
  /** A path resolved against the config's folder. */
  abs: (p: string) => string;
  validateSchedule: (schedule: string, tz: string, cron: CronSemantics) => string | undefined;
}

/** `cron` in the config's root or a job (at names which); `dflt` when unset or bad. */
export function cronSemantics(c: Checker, o: Obj, at: string, dflt: CronSemantics): CronSemantics {
  const v = o.cron;
  if (v === undefined) return dflt;
  if (v === 'daemon' || v === 'croner') return v;
  c.bad(
    field(at, 'cron'),
    `must be "daemon" (jobs started by the system cron daemon from a crontab) or "croner" (started by systemd, Kubernetes or croner in-process), got ${describe(v)}`,
  );
  return dflt;
}

/** Every job by name, each checked, then the output folders across them. */
export function resolveJobs(c: Checker, rawJobs: unknown, ctx: JobCheckContext): Record<string, ResolvedJob> {
  // no prototype: a job name from the command line (`generate toString`) finds nothing but jobs
  const jobs: Record<string, ResolvedJob> = Object.create(null) as Record<string, ResolvedJob>;
  if (rawJobs !== undefined && !isObj(rawJobs))
    c.bad('jobs', `must be an object of job name → job, got ${describe(rawJobs)}`);
  for (const [name, j] of Object.entries(isObj(rawJobs) ? rawJobs : {})) {
    const job = resolveJob(c, name, j, ctx);
    if (job) jobs[name] = job;
  }
  checkOutDirs(c, jobs);
  return jobs;
}

function resolveJob(c: Checker, name: string, j: unknown, ctx: JobCheckContext): ResolvedJob | undefined {
  const at = `jobs.${name}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) c.bad(at, 'job names may use letters, digits, ".", "_" and "-"');
  // names lucy-ops writes its own log records and alert memory under
  else if (RESERVED_JOB_NAMES.has(name))
    c.bad(at, `"${name}" is a name lucy-ops uses itself (its alert memory and log label): choose another`);
  if (!isObj(j)) {
    c.bad(at, `must be an object, got ${describe(j)}`);
    return undefined;
  }
  c.unknownKeys(j, JOB, at);
  const schedule = c.str(j, 'schedule', at, true);
  const tz = c.str(j, 'tz', at) ?? 'UTC';
  const jobCron = cronSemantics(c, j, at, ctx.cron);
  if (schedule) {
    const problem = ctx.validateSchedule(schedule, tz, jobCron);
    if (problem) c.bad(`${at}.${j.tz !== undefined && /time ?zone|tz/i.test(problem) ? 'tz' : 'schedule'}`, problem);
  }
  const kind = c.str(j, 'kind', at);
  if (kind && !KINDS.includes(kind)) c.bad(`${at}.kind`, `must be one of ${KINDS.join(', ')}, got ${describe(kind)}`);
  const command = c.strArray(j, 'command', at, true);
  const prompt = c.str(j, 'prompt', at);
  const outDir = c.str(j, 'outDir', at);
  const system = c.str(j, 'system', at);
  for (const [key, text] of [
    ['prompt', prompt],
    ['system', system],
  ] as const)
    for (const unknown of text ? unknownPlaceholders(text) : [])
      c.bad(
        `${at}.${key}`,
        `unknown placeholder ${unknown} in job ${name} (known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ')})`,
      );
  // by presence, not validity: a malformed command has its own message, and is still a command
  if (j.command === undefined && j.prompt === undefined)
    c.bad(at, 'needs either a prompt (a generation job) or a command (for `lucy-ops run`)');
  if (j.command !== undefined && j.prompt !== undefined)
    c.bad(at, 'has both prompt and command; a job is one or the other');
  if (prompt && !outDir) c.bad(`${at}.outDir`, 'is required for a generation job');
  const chain = c.strArray(j, 'providers', at);
  chain?.forEach((p, k) => {
    if (!ctx.providerNames.has(p))
      c.bad(
        `${at}.providers[${k}]`,
        `unknown provider ${JSON.stringify(p)} (known: ${[...ctx.providerNames].join(', ')})`,
      );
  });
  const common = {
    name,
    schedule: schedule ?? '',
    tz,
    cron: jobCron,
    kind: kind as ResolvedJob['kind'],
    outDir: outDir ? ctx.abs(outDir) : undefined,
    system,
    maxTokens: j.maxTokens === undefined ? undefined : c.num(j, 'maxTokens', at, 1024, 1),
    providers: chain,
    deadlineMs: j.deadlineMs === undefined ? undefined : c.num(j, 'deadlineMs', at, 120_000, 1, true, MAX_TIMER_MS),
  };
  // (a job with a problem above is refused in the end; its entry only has to be well-typed)
  return prompt !== undefined
    ? { ...common, prompt, outDir: common.outDir ?? '' }
    : { ...common, command: command ?? [] };
}

/**
 * A slot counts as served when its output file is there, found by slot stamp: two jobs in one
 * folder would each see the other's files as their own (one job would never run).
 */
function checkOutDirs(c: Checker, jobs: Record<string, ResolvedJob>): void {
  const outDirOwner = new Map<string, string>();
  for (const job of Object.values(jobs)) {
    if (!job.outDir) continue;
    const owner = outDirOwner.get(job.outDir);
    if (owner)
      c.bad(
        `jobs.${job.name}.outDir`,
        `is also jobs.${owner}.outDir (${job.outDir}); each generation job needs its own folder (a slot's file there is what marks it served)`,
      );
    else outDirOwner.set(job.outDir, job.name);
  }
}
