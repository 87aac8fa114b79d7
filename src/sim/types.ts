/**
 * The simulator's vocabulary: what a scripted provider can do to a request. The JSON script format
 * (src/sim/README.md) is exactly these types.
 */
export type Fault =
  /** A normal answer, non-stream JSON or SSE as the request asks. */
  | { kind: 'ok'; latencyMs?: number; content?: string; chunkDelayMs?: number }
  /** Any HTTP status: a 503 HTML page, 401, 404 model not found, 500... (default body per status). */
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
  /** 429 with `Retry-After` (seconds) and/or `retry-after-ms`; neither given means `Retry-After: 1`. */
  | { kind: 'rate-limit'; retryAfterS?: number; retryAfterMs?: number }
  /** 400 with OpenAI's context_length_exceeded error. */
  | { kind: 'context-length' }
  /** Accept the request, never send headers (until the client goes away or the server closes). */
  | { kind: 'hang' }
  /** 200 headers, then keep-alive bytes forever: "\n" (non-stream) or ": keep-alive\n\n" (SSE). */
  | { kind: 'trickle'; intervalMs?: number }
  /**
   * Stream `afterChunks` content chunks, then destroy the socket (non-stream: half the JSON body).
   * `how: 'end'` instead ends the response cleanly, without a finish chunk or `[DONE]`.
   */
  | { kind: 'cut'; afterChunks?: number; how?: 'destroy' | 'end' }
  /** 200 whose body is not JSON (SSE: a `data:` line that is not JSON). */
  | { kind: 'invalid-json' }
  /** 200 with {"error":{"message":"upstream overloaded","code":503}} (SSE: as a data event). */
  | { kind: 'error-body' }
  /** 200 with `choices: []`. */
  | { kind: 'empty-choices' }
  /** Read the request, then reset the connection (TCP RST). */
  | { kind: 'reset' }
  /**
   * A 200 that never stops talking: content deltas of `chunkBytes` characters (default 65536) as
   * fast as the client takes them (it waits for 'drain', so a client that does not read holds it
   * back), until `totalBytes` of content (default 100 MiB), then a finish and `[DONE]`. Non-stream:
   * one JSON completion whose content is that long.
   */
  | { kind: 'flood'; chunkBytes?: number; totalBytes?: number };

export type FaultKind = Fault['kind'];

/** A fault applied inside a sim-time window, optionally to the first `times` matching requests. */
export interface SimRule {
  fault: Fault;
  /** ISO time; the window is half-open [from, until) against sim time. */
  from?: string;
  until?: string;
  /** Apply to the first N requests that match the window only; later ones fall through. */
  times?: number;
}

/** Per model name (the request's `model` field), or '*' for any model: one fault or a rule list. */
export type SimScript = Record<string, Fault | SimRule[]>;

/** One request as the simulator saw it. The API key itself is never stored. */
export interface SimRequestRecord {
  model: string;
  stream: boolean;
  /** Sim time of the request (epoch ms). */
  at: number;
  /** Whether an Authorization header was present. */
  authorization: boolean;
  /** What the simulator did to it (`not-found` for an unknown model, `bad-request` for a bad body). */
  fault: FaultKind | 'not-found' | 'bad-request';
}
