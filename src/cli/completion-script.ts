/**
 * Shell completion scripts made from the commander program itself (commands, subcommands, flags),
 * so they cannot drift from what the CLI accepts. Static: completing a word runs no node process.
 */
import type { Command, Option } from 'commander';

interface Node {
  /** "probe providers": the words that lead here. */
  path: string[];
  description: string;
  flags: Array<{ long: string; takesValue: boolean; description: string }>;
  children: Node[];
}

function flagsOf(options: readonly Option[]): Node['flags'] {
  return options
    .filter((o) => o.long && !o.hidden)
    .map((o) => ({ long: o.long!, takesValue: o.required || o.optional, description: o.description }));
}

function tree(cmd: Command, path: string[], inherited: Node['flags']): Node {
  const flags = [...flagsOf(cmd.options), ...inherited, { long: '--help', takesValue: false, description: 'help' }];
  return {
    path,
    description: cmd.description(),
    flags,
    children: cmd.commands.filter((c) => c.name() !== 'help').map((c) => tree(c, [...path, c.name()], inherited)),
  };
}

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const child of node.children) walk(child, visit);
}

export function completionScript(program: Command, shell: 'bash' | 'zsh' | 'fish'): string {
  const globals = flagsOf(program.options).filter((f) => f.long !== '--version');
  const root = tree(program, [], globals);
  root.flags.push({ long: '--version', takesValue: false, description: 'version' });
  const name = program.name();
  return shell === 'fish' ? fish(root, name) : bash(root, name, shell === 'zsh');
}

const fnName = (name: string) => `_${name.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;

function bash(root: Node, name: string, zsh: boolean): string {
  const valueFlags = new Set<string>();
  const cases: string[] = [];
  walk(root, (n) => {
    for (const f of n.flags) if (f.takesValue) valueFlags.add(f.long);
    const words = [...n.children.map((c) => c.path[c.path.length - 1]), ...n.flags.map((f) => f.long)].join(' ');
    const key = n.path.join(' ');
    // a command without subcommands: its arguments (a job name) do not change what completes
    const pattern = n.children.length || !key ? `"${key}"` : `"${key}"|"${key} "*`;
    cases.push(`    ${pattern}) words="${words}" ;;`);
  });
  const fn = fnName(name);
  const values = [...valueFlags].join('|') || '--no-value-flags';
  return `# ${name} completion for ${zsh ? 'zsh' : 'bash'}; made by \`${name} completion ${zsh ? 'zsh' : 'bash'}\`
${zsh ? '#compdef ' + name + '\nautoload -U +X bashcompinit && bashcompinit\n' : ''}${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" typed="" w i words=""
  # a flag's value: no words, so -o default completes file names
  case "$prev" in ${values}) COMPREPLY=(); return ;; esac
  # the command words typed so far (flags and their values skipped)
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      ${values}) ((i++)) ;;
      -*) ;;
      *) typed="\${typed:+$typed }$w" ;;
    esac
  done
  case "$typed" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F ${fn} ${name}
`;
}

function fish(root: Node, name: string): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const global = new Set(root.flags.map((f) => f.long));
  const lines = [`# ${name} completion for fish; made by \`${name} completion fish\``, `complete -c ${name} -f`];
  walk(root, (n) => {
    // the condition: every word of the path typed, and (for choosing a child) none of its children yet
    const seen = n.path.map((w) => `__fish_seen_subcommand_from ${w}`);
    const here = seen.length ? seen.join('; and ') : '__fish_use_subcommand';
    const childNames = n.children.map((c) => c.path[c.path.length - 1]);
    const noChildYet = childNames.length ? `; and not __fish_seen_subcommand_from ${childNames.join(' ')}` : '';
    for (const c of n.children)
      lines.push(
        `complete -c ${name} -n '${here}${seen.length ? noChildYet : ''}' -a ${c.path[c.path.length - 1]} -d '${esc(c.description)}'`,
      );
    // the program's own flags apply everywhere: listed once, with no condition
    const flags = n.path.length ? n.flags.filter((f) => !global.has(f.long)) : n.flags;
    const when = n.path.length ? ` -n '${here}${noChildYet}'` : '';
    for (const f of flags)
      lines.push(
        `complete -c ${name}${when} -l ${f.long.replace(/^--/, '')}${f.takesValue ? ' -r -F' : ''} -d '${esc(f.description)}'`,
      );
  });
  return lines.join('\n') + '\n';
}
