/** Waiting in tests on what has no event to wait on (a file, a counter): a poll with a bound. */

/**
 * Polls `check` every 10 ms until it holds; rejects, naming `what`, after `timeoutMs`. The default
 * is a bound against a test waiting forever, not a budget: a CLI process started on a loaded
 * machine can take tens of seconds to get where a test waits for it.
 */
export async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
