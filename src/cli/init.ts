import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { CliError, printJson } from './common.js';
import { command } from './lifecycle.js';

export function register(program: Command): void {
  program
    .command('init')
    .description('write a commented lucy-ops.config.ts and a crontab for this project')
    .option('--dir <path>', 'project folder', '.')
    .option('--force', 'overwrite existing files')
    .addHelpText(
      'after',
      `
Examples:
  npx lucy-ops init              # writes lucy-ops.config.ts and lucy-ops.crontab here
  npx lucy-ops init --dir /srv/app --force`,
    )
    .action(
      command(async (run, flags: { dir: string; force?: boolean }) => {
        const { configTemplate, crontabTemplate } = await import('../init/templates.js');
        const dir = path.resolve(flags.dir);
        const files = [
          { file: path.join(dir, 'lucy-ops.config.ts'), text: configTemplate() },
          { file: path.join(dir, 'lucy-ops.crontab'), text: crontabTemplate(dir) },
        ];
        const existing = files.filter((f) => fs.existsSync(f.file));
        if (existing.length && !flags.force) {
          throw new CliError(
            `refusing to overwrite ${existing.map((f) => f.file).join(' and ')} (use --force)`,
            ExitCode.failed,
          );
        }
        for (const f of files) writeFileAtomic(f.file, f.text);
        const ignored = ignoreLocalFiles(dir);
        const warnings = dependencyWarnings(dir);
        for (const w of warnings) run.warn(w);
        if (run.json)
          printJson({
            written: files.map((f) => f.file),
            ...(ignored ? { gitignore: ignored.file, ignored: ignored.added } : {}),
            warnings,
          });
        else {
          process.stdout.write(
            `wrote ${files.map((f) => path.relative(process.cwd(), f.file) || f.file).join(' and ')}\n`,
          );
          if (ignored)
            process.stdout.write(
              `listed ${ignored.added.join(', ')} in ${path.relative(process.cwd(), ignored.file) || ignored.file} (keys, state and logs never go into git)\n`,
            );
          process.stdout.write(
            `next: put \`export TOGETHER_API_KEY=...\` in ${KEYS_FILE} (chmod 600), then \`. ./${KEYS_FILE} && npx lucy-ops probe providers\` and \`npx lucy-ops generate blog --dry-run\`\n`,
          );
        }
      }),
    );
}

const KEYS_FILE = '.lucy-ops.env';

/**
 * What the project's .gitignore must list: the keys file the crontab sources, and the config's
 * stateDir and log folder (breaker state, locks and job logs are this host's, not the project's).
 */
const IGNORED = [
  { entry: KEYS_FILE, why: 'API keys, sourced by the crontab lines' },
  { entry: '.lucy-ops/', why: 'breaker state, locks, alert memory (stateDir)' },
  { entry: 'logs/', why: 'the job log (log)' },
];

/** Adds the missing IGNORED entries to the project's .gitignore (created if missing); says what it added. */
function ignoreLocalFiles(dir: string): { file: string; added: string[] } | undefined {
  const file = path.join(dir, '.gitignore');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  // `x`, `/x`, `x/` and `/x/` all ignore a top-level x
  const listed = new Set(text.split(/\r?\n/).map((line) => line.trim().replace(/^\//, '').replace(/\/$/, '')));
  const missing = IGNORED.filter(({ entry }) => !listed.has(entry.replace(/\/$/, '')));
  if (missing.length === 0) return undefined;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  fs.appendFileSync(file, sep + missing.map(({ entry, why }) => `# lucy-ops: ${why}\n${entry}\n`).join(''));
  return { file, added: missing.map(({ entry }) => entry) };
}

/**
 * The crontab runs `npx --no-install lucy-ops`: without lucy-ops in the project's dependencies
 * every line fails (never silently: cron mails npx's error). Say so now, not at the first slot.
 */
function dependencyWarnings(dir: string): string[] {
  const file = path.join(dir, 'package.json');
  const fix = `run \`npm install lucy-ops\` in ${dir}: the crontab's \`npx --no-install lucy-ops\` runs only an installed lucy-ops`;
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return [`${missing ? 'no package.json' : 'cannot read package.json'} in ${dir}; ${fix}`];
  }
  if (pkg.name === 'lucy-ops') return [];
  const sections = ['dependencies', 'devDependencies', 'optionalDependencies'];
  const listed = sections.some(
    (k) => typeof pkg[k] === 'object' && pkg[k] !== null && 'lucy-ops' in (pkg[k] as object),
  );
  return listed ? [] : [`lucy-ops is not in the dependencies of ${file}; ${fix}`];
}
