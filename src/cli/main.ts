export async function main(argv: string[]): Promise<void> {
  process.stderr.write(`lucy-ops: not yet implemented (${argv.slice(2).join(' ')})\n`);
  process.exitCode = 70;
}
