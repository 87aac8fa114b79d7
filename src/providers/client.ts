/**
 * What the engine needs from a provider API: one attempt at one chat completion, and a way to
 * close its pooled connections. Retries, failover and the breaker live in the engine, which reads
 * the thrown `ProviderError.errorType` (src/engine/classify.ts), so every client throws those.
 */
import type { AbortLike } from '../abort-like.js';
import type { ResolvedProvider } from '../config/types.js';
import type { ChatRequest, CompletionResult } from './types.js';

export interface CallOptions {
  /** Resolved by the caller from apiKeyEnv. Never appears in an error message. */
  apiKey?: string;
  /** The run's deadline / caller abort: a DeadlineReason reason → 'deadline', anything else → 'aborted'. */
  signal?: AbortLike;
  /** Sent as `x-lucy-sim-now` (only under the LUCY_OPS_NOW clock override, for the simulator). */
  simNow?: string;
  /**
   * Streaming: called for every content delta. A returned promise is backpressure: no more of the
   * body is read until it settles (the attempt's own clocks stop meanwhile).
   */
  onDelta?: (text: string) => void | Promise<void>;
}

export interface ProviderClient {
  /** One attempt; throws a ProviderError (or anything `asProviderError` maps) when it fails. */
  complete(provider: ResolvedProvider, request: ChatRequest, opts?: CallOptions): Promise<CompletionResult>;
  /** Closes pooled connections (a long-lived process shutting down, or the end of a command). */
  close(): Promise<void>;
}
