/**
 * Human output of `probe providers` and `breaker status`: tables on stdout. Colour comes from chalk
 * only (cli-table3's own colours are off), so it appears on a TTY and honours NO_COLOR.
 */
import chalk from 'chalk';
import Table from 'cli-table3';
import type { BreakerView } from '../engine/breaker-board.js';
import type { ProbeResult } from '../probe/probe.js';
import { rendered, tableLook } from './table-look.js';
import { printableDeep } from './columns.js';
import type { DisplayTimes } from './time-format.js';

export function printProbe(
  results: ProbeResult[],
  opts: { errorLines?: boolean } = {},
  out: (s: string) => void = (s) => process.stdout.write(s),
): void {
  const table = new Table({
    head: ['provider', 'model', 'ok', 'latency', 'status', 'error', 'breaker'],
    ...tableLook(),
  });
  for (const r of results) {
    const unsent = r.sent === false;
    table.push([
      r.provider,
      r.model + (r.answeredBy ? chalk.dim(` (${r.answeredBy})`) : ''),
      r.ok ? chalk.green('yes') : unsent ? chalk.yellow('not sent') : chalk.red('NO'),
      unsent ? '-' : `${r.latencyMs} ms`,
      r.httpStatus ? String(r.httpStatus) : r.ok ? '200' : '-',
      r.ok ? '' : (r.errorType ?? 'failed'),
      colourState(r.breaker) +
        (r.closedBreaker
          ? chalk.green(' (closed by this probe)')
          : r.keptOpen
            ? chalk.yellow(' (tripped by hand, kept)')
            : ''),
    ]);
  }
  const answered = results.filter((r) => r.ok).length;
  const unsent = results.filter((r) => r.sent === false).length;
  let text = rendered(table) + '\n';
  if (opts.errorLines !== false)
    for (const r of results) if (!r.ok && r.error) text += chalk.dim(`${r.provider}: ${r.error}`) + '\n';
  for (const r of results) if (r.note) text += (r.keptOpen ? chalk.yellow(r.note) : r.note) + '\n';
  // a request never sent is neither an answer nor an outage: say which it was
  const notTried = unsent ? `; ${unsent} not tried: key variable unset or empty` : '';
  const verdict =
    unsent === results.length
      ? chalk.yellow(
          'no request sent: every provider’s key variable is unset or empty (a missing secret, not an outage)',
        )
      : answered === 0
        ? chalk.red(`no provider answered${notTried}`)
        : answered < results.length
          ? chalk.yellow(`${answered} of ${results.length} providers answered${notTried}`)
          : chalk.green(`all ${results.length} providers answered`);
  out(text + verdict + '\n');
}

export function colourState(state: BreakerView['state']): string {
  return state === 'closed' ? chalk.green(state) : state === 'open' ? chalk.red(state) : chalk.yellow(state);
}

export interface StoreInfo {
  kind: string;
  where: string;
  fallback?: string;
}

export function printBreakers(
  shared: BreakerView[],
  store: StoreInfo,
  times: DisplayTimes,
  out: (s: string) => void = (s) => process.stdout.write(s),
): void {
  // the state store is shared (Redis, a state.json another host writes): its text prints as log text does
  const views = printableDeep(shared);
  const table = new Table({
    head: ['provider', 'state', 'failures', 'down since', 'retry', 'last error'],
    ...tableLook(),
  });
  for (const v of views) {
    table.push([
      v.provider,
      colourState(v.state) + (v.by === 'manual' ? chalk.yellow(' (by hand)') : ''),
      String(v.consecutiveFailures),
      v.downSince ? times.since(v.downSince) : '',
      v.retryAt ? times.until(v.retryAt) : '',
      v.lastError ?? '',
    ]);
  }
  const down = views.filter((v) => v.downSince);
  const lines = down.map(
    (v) =>
      `${v.provider}: ${v.state}, down since ${times.since(v.downSince!)}` +
      (v.by === 'manual' ? ', tripped by hand (by: manual)' : '') +
      (v.openedAt && v.openedAt !== v.downSince ? `, last opened ${times.since(v.openedAt)}` : ''),
  );
  const where =
    `state: ${store.kind} store (${store.where})` +
    (store.fallback ? chalk.yellow(` — fallback: ${store.fallback}`) : '');
  out(rendered(table) + '\n' + lines.map((l) => l + '\n').join('') + chalk.dim(`${where} · ${times.note()}`) + '\n');
}
