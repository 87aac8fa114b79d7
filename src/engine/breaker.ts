/**
 * The circuit breaker, one per provider name, shared by every process through the state store
 * (key `breaker:<provider>`). See docs/breaker.md for the semantics and a timeline.
 *
 *   closed ──(failureThreshold consecutive failures)──▶ open ──(retryAt passed; ONE caller)──▶ half-open
 *     ▲                                                  ▲                                      │
 *     └──────────────────(trial succeeds)────────────────┼──────────────────────────────────────┤
 *                                                        └──(trial fails: a full new cooldown)──┘
 *
 * Decisions are pure functions of (record, now, policy); the Breakers class runs them inside
 * store.update so that exactly one caller across all processes wins the half-open trial. Paths
 * that change nothing (closed, open and cooling down) only read the store: no lock, no write.
 */
import type { AbortLike } from '../abort-like.js';
import type { Clock } from '../clock.js';
import type { StateStore } from '../state/types.js';

/**
 * `failingSince` (closed) is the first failure of the current run of failures; `downSince` (open,
 * half-open) is the first failure of the current incident: carried from `failingSince` when the
 * breaker opens, and kept through every failed trial, so it says how long the provider has been
 * down while `openedAt` is only the latest opening (the cooldown counts from it). Records written
 * before these fields existed lack them: readers fall back to `openedAt`.
 */
export type BreakerRecord =
  | { state: 'closed'; consecutiveFailures: number; lastError?: string; lastFailureAt?: string; failingSince?: string }
  | {
      state: 'open';
      consecutiveFailures: number;
      openedAt: string;
      retryAt: string;
      downSince?: string;
      lastError?: string;
      by?: 'manual';
    }
  | {
      state: 'half-open';
      consecutiveFailures: number;
      openedAt: string;
      trialUntil: string;
      downSince?: string;
      lastError?: string;
    };

export type BreakerState = BreakerRecord['state'];

/** A state change for the caller to log (see breakerEvent), with `by: "manual"` when set. */
export type Transition = { provider: string; from: BreakerState; to: BreakerState; by?: 'manual' };

/** The job-log event of a transition: `breaker.open`, `breaker.half-open` or `breaker.close`. */
export function breakerEvent(to: BreakerState): 'breaker.open' | 'breaker.half-open' | 'breaker.close' {
  return to === 'closed' ? 'breaker.close' : to === 'open' ? 'breaker.open' : 'breaker.half-open';
}

export interface BreakerPolicy {
  failureThreshold: number;
  cooldownMs: number;
  /** How long a half-open trial holder owns the trial: the attempt's timeout. */
  trialLeaseMs: number;
}

export type AcquireResult =
  | { allow: true; trial: boolean; transition?: Transition }
  | { allow: false; retryAt: string; state: 'open' | 'half-open' };

type Change = { next: BreakerRecord; from: BreakerState; to: BreakerState; by?: 'manual' };

/**
 * The policy a config gives: its threshold and cooldown, and a trial lease as long as the longest
 * attempt may take (plus slack), so a live trial holder is never taken over mid-request.
 */
export function breakerPolicy(config: {
  breaker: { failureThreshold: number; cooldownMs: number };
  providers: ReadonlyArray<{ timeoutMs: number }>;
}): BreakerPolicy {
  return { ...config.breaker, trialLeaseMs: Math.max(0, ...config.providers.map((p) => p.timeoutMs)) + 5_000 };
}

export const CLOSED: BreakerRecord = Object.freeze({ state: 'closed', consecutiveFailures: 0 });

const BREAKER_PREFIX = 'breaker:';

export function breakerKey(provider: string): string {
  return BREAKER_PREFIX + provider;
}

const iso = (ms: number) => new Date(ms).toISOString();
const due = (at: string, now: number) => !(Date.parse(at) > now); // an unreadable time counts as due

/** A stored value as a record; anything unreadable (hand-edited, foreign) reads as closed. */
export function toRecord(raw: unknown): BreakerRecord {
  if (typeof raw !== 'object' || raw === null) return CLOSED;
  const r = raw as Record<string, unknown>;
  if (typeof r.consecutiveFailures !== 'number') return CLOSED;
  if (r.state === 'closed') return r as BreakerRecord;
  if (r.state === 'open' && typeof r.openedAt === 'string' && typeof r.retryAt === 'string') return r as BreakerRecord;
  if (r.state === 'half-open' && typeof r.openedAt === 'string' && typeof r.trialUntil === 'string') {
    return r as BreakerRecord;
  }
  return CLOSED;
}

/**
 * When the current incident began: closed with failures, its first failure; open or half-open, the
 * stored `downSince` (or `openedAt` for a record from before that field). Undefined when healthy.
 */
export function downSinceOf(record: BreakerRecord): string | undefined {
  if (record.state === 'closed')
    return record.failingSince ?? (record.consecutiveFailures > 0 ? record.lastFailureAt : undefined);
  return record.downSince ?? record.openedAt;
}

/** What acquire answers for this record at `now`, and the record to store if it changes. */
export function decideAcquire(
  record: BreakerRecord,
  now: number,
  policy: BreakerPolicy,
): { result: AcquireResult; change?: Omit<Change, 'by'> } {
  switch (record.state) {
    case 'closed':
      return { result: { allow: true, trial: false } };
    case 'open':
      if (!due(record.retryAt, now)) return { result: { allow: false, retryAt: record.retryAt, state: 'open' } };
      break;
    case 'half-open':
      // A live lease: someone is trying it right now. An expired one: the trial holder died.
      if (!due(record.trialUntil, now))
        return { result: { allow: false, retryAt: record.trialUntil, state: 'half-open' } };
      break;
  }
  const next: BreakerRecord = {
    state: 'half-open',
    consecutiveFailures: record.consecutiveFailures,
    openedAt: record.openedAt,
    trialUntil: iso(now + policy.trialLeaseMs),
    downSince: downSinceOf(record),
    ...(record.lastError !== undefined && { lastError: record.lastError }),
  };
  return { result: { allow: true, trial: true }, change: { next, from: record.state, to: 'half-open' } };
}

/** closed: count resets. half-open: the trial worked, close. open: ignored (see docs/breaker.md). */
export function decideSuccess(record: BreakerRecord): Change | undefined {
  if (record.state === 'open') return undefined;
  if (record.state === 'closed' && record.consecutiveFailures === 0 && record.lastError === undefined) return undefined;
  return { next: CLOSED, from: record.state, to: 'closed' };
}

export function decideFailure(record: BreakerRecord, errorType: string, now: number, policy: BreakerPolicy): Change {
  const consecutiveFailures = record.consecutiveFailures + 1;
  const reopen = (): BreakerRecord => ({
    state: 'open',
    consecutiveFailures,
    openedAt: iso(now),
    retryAt: iso(now + policy.cooldownMs),
    downSince: downSinceOf(record) ?? iso(now),
    lastError: errorType,
  });
  switch (record.state) {
    case 'closed':
      if (consecutiveFailures >= policy.failureThreshold) return { next: reopen(), from: 'closed', to: 'open' };
      return {
        next: {
          state: 'closed',
          consecutiveFailures,
          lastError: errorType,
          lastFailureAt: iso(now),
          failingSince: record.failingSince ?? iso(now),
        },
        from: 'closed',
        to: 'closed',
      };
    case 'half-open':
      return { next: reopen(), from: 'half-open', to: 'open' };
    case 'open':
      // A call that started before it opened: count it, but do not stretch the cooldown.
      return { next: { ...record, consecutiveFailures, lastError: errorType }, from: 'open', to: 'open' };
  }
}

export class Breakers {
  constructor(
    private readonly store: StateStore,
    private readonly policy: BreakerPolicy,
    private readonly clock: Clock,
  ) {}

  /**
   * Ask before calling a provider; see decideAcquire. Exactly one caller wins a due trial.
   * `signal` (here and below): stop waiting for the store's lock when it aborts (the run's deadline).
   */
  async acquire(provider: string, signal?: AbortLike): Promise<AcquireResult> {
    const key = breakerKey(provider);
    const seen = decideAcquire(toRecord(await this.store.get(key)), this.clock.now(), this.policy);
    if (!seen.change) return seen.result;
    // A trial looks due: decide again under the store's lock, where only one caller can win it.
    let decided = seen;
    await this.store.update<unknown>(
      key,
      (current) => {
        decided = decideAcquire(toRecord(current), this.clock.now(), this.policy);
        return decided.change ? decided.change.next : current;
      },
      { signal },
    );
    const { result, change } = decided;
    if (!result.allow || !change) return result;
    return { ...result, transition: { provider, from: change.from, to: change.to } };
  }

  async recordSuccess(provider: string, signal?: AbortLike): Promise<Transition | undefined> {
    // Fast path: a healthy provider's success changes nothing, so it takes no lock and writes nothing.
    if (!decideSuccess(toRecord(await this.store.get(breakerKey(provider))))) return undefined;
    return this.apply(provider, (record) => decideSuccess(record), signal);
  }

  async recordFailure(provider: string, errorType: string, signal?: AbortLike): Promise<Transition | undefined> {
    return this.apply(provider, (record) => decideFailure(record, errorType, this.clock.now(), this.policy), signal);
  }

  /** Each provider's record as stored (closed for unknown); never writes, never derives. */
  async status(providers: string[]): Promise<Array<{ provider: string } & BreakerRecord>> {
    const stored = await this.store.list<unknown>(BREAKER_PREFIX);
    return providers.map((provider) => ({ provider, ...toRecord(stored[breakerKey(provider)]) }));
  }

  /** Close one provider's breaker, or every stored one, by hand. Transitions only for real changes. */
  async reset(provider?: string): Promise<Transition[]> {
    const providers =
      provider !== undefined
        ? [provider]
        : Object.keys(await this.store.list(BREAKER_PREFIX)).map((key) => key.slice(BREAKER_PREFIX.length));
    const transitions: Transition[] = [];
    for (const name of providers) {
      const change = await this.apply(name, (record) => ({
        next: CLOSED,
        from: record.state,
        to: 'closed',
        by: 'manual',
      }));
      if (change) transitions.push(change);
    }
    return transitions;
  }

  /** Open a provider's breaker by hand for forMs; after that it gets a half-open trial as usual. */
  async trip(provider: string, forMs: number): Promise<Transition> {
    const transition = await this.apply(provider, (record) => {
      const now = this.clock.now();
      const next: BreakerRecord = {
        state: 'open',
        consecutiveFailures: record.consecutiveFailures,
        openedAt: iso(now),
        retryAt: iso(now + forMs),
        // tripping a provider that is already failing keeps the incident's start
        downSince: downSinceOf(record) ?? iso(now),
        ...(record.lastError !== undefined && { lastError: record.lastError }),
        by: 'manual',
      };
      return { next, from: record.state, to: 'open', by: 'manual', always: true };
    });
    return transition!;
  }

  /**
   * Run a decision inside store.update. Closed with no failures is stored as no key at all. The
   * transition is reported when the state changes (or `always`, for trip).
   */
  private async apply(
    provider: string,
    decide: (record: BreakerRecord) => (Change & { always?: boolean }) | undefined,
    signal?: AbortLike,
  ): Promise<Transition | undefined> {
    let change: (Change & { always?: boolean }) | undefined;
    await this.store.update<unknown>(
      breakerKey(provider),
      (current) => {
        change = decide(toRecord(current));
        if (!change) return current;
        const next = change.next;
        return next.state === 'closed' && next.consecutiveFailures === 0 && next.lastError === undefined
          ? undefined
          : next;
      },
      { signal },
    );
    if (!change || (change.from === change.to && !change.always)) return undefined;
    return { provider, from: change.from, to: change.to, ...(change.by && { by: change.by }) };
  }
}
