import { expect, it } from 'vitest';
import { DeferredLog, MAX_HELD, type Delay } from './deferred.js';
import type { LogInput } from './writer.js';

const record = (event: string): LogInput => ({
  event,
  job: 'library',
  runId: 'r',
  scheduledFor: 's',
  trigger: 'manual',
});

/** A DeferredLog over a list of writes, with a hand-run timer. */
function held() {
  const writes: string[][] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const delay: Delay = (fn, ms) => timers.push({ fn, ms });
  const log = new DeferredLog({ appendAll: (rs) => writes.push(rs.map((r) => r.event)) }, { windowMs: 10, delay });
  return { log, writes, timers };
}

it('with a window, holds every record until the first one has waited it out, then writes them in one write, in order', () => {
  const { log, writes, timers } = held();
  log.append(record('run.start'));
  log.append(record('attempt.end'));
  log.append(record('run.end'));
  log.append(record('run.start'));
  expect(writes).toEqual([]);
  expect(timers.map((t) => t.ms)).toEqual([10]); // one timer for the whole batch
  timers[0].fn();
  expect(writes).toEqual([['run.start', 'attempt.end', 'run.end', 'run.start']]);
  // the next record starts the next window
  log.append(record('attempt.end'));
  expect(timers).toHaveLength(2);
  timers[1].fn();
  expect(writes).toEqual([['run.start', 'attempt.end', 'run.end', 'run.start'], ['attempt.end']]);
  log.close();
});

it('writes at once what is held when the chain closes, and a timer that fires after that writes nothing', () => {
  const { log, writes, timers } = held();
  log.append(record('run.start'));
  log.close();
  expect(writes).toEqual([['run.start']]);
  timers[0].fn();
  expect(writes).toHaveLength(1);
});

it('a burst of more than MAX_HELD records is written without waiting for the window', () => {
  const { log, writes, timers } = held();
  for (let i = 0; i < MAX_HELD; i++) log.append(record(`e${i}`));
  expect(writes).toHaveLength(1);
  expect(writes[0]).toHaveLength(MAX_HELD);
  expect(writes[0].at(-1)).toBe(`e${MAX_HELD - 1}`);
  log.append(record('next'));
  expect(timers).toHaveLength(2);
  timers[1].fn();
  expect(writes[1]).toEqual(['next']);
  log.close();
});

it('the real timer does not keep the process alive', () => {
  const log = new DeferredLog({ appendAll: () => undefined }, { windowMs: 60_000 });
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  log.append(record('run.start'));
  // an unref'd timer is not counted as keeping the loop alive
  expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
  log.close();
});
