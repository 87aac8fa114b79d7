import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { CliError, globalOpts, printJson } from './common.js';

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
    .action(async (flags: { dir: string; force?: boolean }, cmd: Command) => {
      const { json } = globalOpts(cmd);
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
      fs.mkdirSync(dir, { recursive: true });
      for (const f of files) {
        const tmp = `${f.file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, f.text);
        fs.renameSync(tmp, f.file);
      }
      // the crontab sources keys from .lucy-ops.env: keep that file out of git from the start
      const ignored = ignoreKeysFile(dir);
      if (json) printJson({ written: files.map((f) => f.file), ...(ignored ? { gitignore: ignored } : {}) });
      else {
        process.stdout.write(
          `wrote ${files.map((f) => path.relative(process.cwd(), f.file) || f.file).join(' and ')}\n`,
        );
        if (ignored)
          process.stdout.write(
            `listed ${KEYS_FILE} in ${path.relative(process.cwd(), ignored) || ignored} (API keys never go into git)\n`,
          );
        process.stdout.write(
          `next: put \`export TOGETHER_API_KEY=...\` in ${KEYS_FILE} (chmod 600), then \`. ./${KEYS_FILE} && npx lucy-ops probe providers\` and \`npx lucy-ops generate blog --dry-run\`\n`,
        );
      }
    });
}

const KEYS_FILE = '.lucy-ops.env';

/** Adds .lucy-ops.env to the project's .gitignore (created if missing); returns its path when it changed it. */
function ignoreKeysFile(dir: string): string | undefined {
  const file = path.join(dir, '.gitignore');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (text.split(/\r?\n/).some((line) => line.trim() === KEYS_FILE || line.trim() === `/${KEYS_FILE}`))
    return undefined;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  fs.appendFileSync(file, `${sep}# lucy-ops: API keys, sourced by the crontab lines\n${KEYS_FILE}\n`);
  return file;
}
