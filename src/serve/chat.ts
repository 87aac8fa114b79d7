/**
 * `POST /v1/chat/completions`: the client's request through the chain, as JSON or as SSE.
 * `model` is `auto` (the whole chain) or a provider name (the chain from there on). Every answer
 * says who served it (x-lucy-provider, x-lucy-model, x-lucy-degraded). A stream fails over only
 * until its first delta; after that a failure is an SSE error event and no `[DONE]`, so no client
 * mistakes a cut answer for a whole one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RunAbort, type AbortLike } from '../abort-like.js';
import type { ChainInternals } from '../api/chain.js';
import { outcomeOf, type CallRecord } from '../api/run-log.js';
import type { StreamChunk } from '../api/stream.js';
import type { Attempt, ChainResult } from '../engine/types.js';
import type { ChatRequest } from '../providers/types.js';
import { AllProvidersFailedError, EngineError, RunAbortedError } from '../engine/errors.js';
import { readBody, type BodyRead } from './body.js';
import { boundDelivery, cutDelivery, deliveryCut, lateMessage } from './delivery.js';
import type { BodyAhead } from './pipeline.js';
import { readHealth } from './health.js';
import type { ServeMetrics } from './metrics.js';
import {
  chainErrorReply,
  chunkFramer,
  completionText,
  errorReply,
  sse,
  SSE_DONE,
  usageChunk,
  type ErrorReply,
} from './openai.js';

export interface ChatContext {
  chain: ChainInternals;
  metrics: ServeMetrics;
  /**
   * Every request's controller, so shutdown can abort what outlives the grace period (a set, not
   * AbortSignal.any on one long-lived signal: that keeps a reference per request).
   */
  inFlight: Set<RunAbort>;
  /** Unexpected errors (bugs) go here, never to the client. */
  warn(message: string): void;
}

const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * One completion request. The common path is callbacks, not async layers: the body's
 * 'data'/'end', the chain's promise, one `then` (each awaited layer costs a promise and a
 * microtask turn, which on a busy host is a chance to be preempted). The promise returned settles
 * when the answer is out; it rejects only on a bug (the server answers 500 then).
 */
export function handleChat(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ChatContext,
  ahead?: BodyAhead,
): Promise<void> {
  const started = performance.now();
  const finish = (outcome: string, r?: { provider?: string; degraded?: boolean }) =>
    ctx.metrics.request(outcome, r?.provider, r?.degraded, (performance.now() - started) / 1000);
  const refuse = (reply: ErrorReply) => {
    // the rest of the body is not read: the connection closes after the answer
    if (reply.status === 413 || reply.status === 408) res.setHeader('connection', 'close');
    sendJson(res, reply.status, reply.body, {}, ctx.chain.config.serve.deliveryTimeoutMs);
    finish('rejected');
  };
  const headers = readHeaders(req, ctx);
  if (headers.kind === 'reply') {
    refuse(headers.reply);
    return DONE;
  }
  return new Promise<void>((resolve, reject) => {
    const { maxBodyBytes, bodyIdleTimeoutMs } = ctx.chain.config.serve;
    const limits = { maxBytes: maxBodyBytes, idleMs: bodyIdleTimeoutMs };
    readBody(
      req,
      limits,
      (body) => {
        try {
          // a client that has gone gets no run and no provider call (its body may be whole in
          // node:http's hands when its connection has already closed)
          if (req.socket.destroyed) {
            finish('aborted');
            return resolve();
          }
          const parsed = parseBody(body, ctx);
          if (parsed.kind === 'reply') {
            refuse(parsed.reply);
            return resolve();
          }
          runChat(res, parsed, headers, ctx, finish, resolve, reject);
        } catch (err) {
          reject(err);
        }
      },
      ahead?.take(),
    );
  });
}

const DONE = Promise.resolve();

/** What a run that answered hands to its verdict: who answered, and its attempts (for the record of an answer not delivered). */
type Answered = { provider?: string; degraded?: boolean; attempts: Attempt[] };

function runChat(
  res: ServerResponse,
  { request, provider, stream, includeUsage }: ParsedBody,
  { job, deadlineMs }: RequestHeaders,
  ctx: ChatContext,
  finish: (outcome: string, r?: { provider?: string; degraded?: boolean }) => void,
  resolve: () => void,
  reject: (err: unknown) => void,
): void {
  // the client going away (or the shutdown bound) aborts the upstream call; a RunAbort, not an
  // AbortController: the run's attempts listen to it, and an AbortSignal's listeners cost several µs
  const aborter = new RunAbort();
  const deliveryMs = ctx.chain.config.serve.deliveryTimeoutMs;
  let closed = false;
  /** Set once the answer is written: the run's verdict then waits for the response to close. */
  let answered: Answered | undefined;
  // A response closes a tick after it finished (its last byte handed to the connection), or when
  // its connection closes first. node:http also finishes a response whose connection broke with
  // the answer half written (writableFinished says true then too), so the socket says which: still
  // open at the close, the answer went out whole (a 'finish' listener a request would cost more).
  const socket = res.socket;
  const onClose = () => {
    closed = true;
    if (answered) return verdict(answered);
    const cut = deliveryCut(res);
    aborter.abort(new Error(cut === undefined ? 'client disconnected' : lateMessage(cut)));
  };
  res.once('close', onClose);
  ctx.inFlight.add(aborter);
  let record: CallRecord | undefined;
  const onRecord = (r: CallRecord) => {
    record = r;
    // the run is ok when its answer went out whole, not when the provider gave it (see verdict)
    r.holdOk();
  };
  const countAttempts = (r: { attempts: Array<{ provider: string; outcome: string }> }) =>
    r.attempts.forEach((a) => ctx.metrics.attempt(a.provider, a.outcome));
  const done = () => {
    ctx.inFlight.delete(aborter);
    res.off('close', onClose);
    resolve();
  };
  const bug = (err: unknown) => {
    ctx.inFlight.delete(aborter);
    res.off('close', onClose);
    reject(err);
  };
  // One rule for the log and the metrics: an answer counts once the response finished (the last
  // byte handed to the connection); a client that left before that did not get it, and the run is
  // failed and aborted, as when it leaves while the provider is still answering.
  const verdict = (r: Answered) => {
    ctx.inFlight.delete(aborter);
    if (socket !== null && !socket.destroyed) {
      record!.delivered();
      finish('ok', r);
    } else {
      const cut = deliveryCut(res);
      const why = cut === undefined ? 'client disconnected before the answer was delivered' : lateMessage(cut);
      record!.undelivered(new RunAbortedError(r.attempts, why));
      finish('aborted');
    }
    resolve();
  };
  const sent = (r: Answered) => {
    answered = r;
    if (closed) verdict(r);
  };
  const failed = (err: unknown) => {
    if (err instanceof EngineError) countAttempts(err);
    const outcome = outcomeOf(err);
    if (outcome === 'error') ctx.warn(`serve: unexpected error: ${(err as Error)?.stack ?? String(err)}`);
    const end = () => {
      finish(outcome);
      done();
    };
    if (res.headersSent || res.destroyed) return end();
    const reply = chainErrorReply(err);
    const headers: Record<string, string> = record ? { 'x-lucy-run-id': record.runId } : {};
    const send = () => {
      if (!res.destroyed) sendJson(res, reply.status, reply.body, headers, deliveryMs);
      end();
    };
    if (err instanceof AllProvidersFailedError) addRetryAfter(headers, ctx.chain, provider).then(send, bug);
    else send();
  };
  // the controller itself, not its signal: the run uses it as its own instead of making another
  const opts = { controller: aborter, provider, job, deadlineMs };
  try {
    if (!stream) {
      ctx.chain.run('complete', request, opts, onRecord).then((result) => {
        try {
          countAttempts(result);
          const text = completionText(`chatcmpl-lucy-${record!.runId}`, created(record!), result);
          // a length, not chunked framing: one write, and the client knows the end without a terminator
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
            'x-lucy-provider': result.provider,
            'x-lucy-model': result.model,
            'x-lucy-degraded': result.degraded ? 'true' : 'false',
            'x-lucy-run-id': record!.runId,
          });
          res.end(text);
          boundDelivery(res, deliveryMs);
          sent(result);
        } catch (err) {
          failed(err);
        }
      }, failed);
      return;
    }
    const s = ctx.chain.run('stream', request, opts, onRecord);
    pipeStream(res, s, s.result, record!, { includeUsage, deliveryMs }, aborter.signal).then((outcome) => {
      countAttempts(outcome);
      if (outcome.kind === 'ok') return sent(outcome);
      finish(outcome.kind, outcome);
      done();
    }, failed);
  } catch (err) {
    failed(err);
  }
}

type StreamOutcome = {
  kind: string;
  provider?: string;
  degraded?: boolean;
  attempts: Attempt[];
};

async function pipeStream(
  res: ServerResponse,
  chunks: AsyncIterable<StreamChunk>,
  result: Promise<ChainResult>,
  record: CallRecord,
  { includeUsage, deliveryMs }: { includeUsage: boolean; deliveryMs: number },
  runSignal: AbortLike,
): Promise<StreamOutcome> {
  const id = `chatcmpl-lucy-${record.runId}`;
  const at = created(record);
  let frame: ReturnType<typeof chunkFramer> | undefined;
  // What one event-loop turn writes goes out as one write of one string: the SSE events of one
  // provider read, and a short answer whose provider sent it in one read whole (headers, role
  // chunk, deltas, finish, usage and [DONE]: the end, which comes in microtasks after that read,
  // still finds them held, and res.end() takes them with it). One write, not one for each event: each
  // res.write is a chunked-encoding frame of its own (size line, text, CRLF) that node:http and
  // the socket's writev handle apart. The held text goes out in the check phase of the same turn,
  // not the next tick (which runs before those microtasks and so split such an answer in two).
  let held = '';
  let flushing = false;
  const flush = () => {
    flushing = false;
    if (held === '' || res.writableEnded) return;
    const text = held;
    held = '';
    res.write(text);
  };
  const send = (text: string) => {
    held += text;
    if (flushing) return;
    flushing = true;
    setImmediate(flush);
  };
  // Headers go out with the first delta: by then the provider is chosen and cannot change.
  const open = (from: { provider: string; model: string; degraded: boolean }) => {
    if (frame) return frame;
    frame = chunkFramer(id, at, from.model);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      ...disclosure(from, record),
    });
    send(frame.chunk({ role: 'assistant', content: '' }));
    return frame;
  };
  try {
    for await (const chunk of chunks) {
      send(open(chunk).content(chunk.delta));
      // a client that does not read: stop pulling deltas, so the chain stops reading the provider
      // (what a turn holds is one provider read's worth; what was written is what fills the socket)
      if (res.writableNeedDrain) await drained(res, runSignal, deliveryMs);
    }
    const done = await result;
    const f = open(done); // a stream of tool calls only has had no delta yet
    if (done.toolCalls) held += f.chunk({ tool_calls: done.toolCalls.map((t, index) => ({ index, ...t })) });
    held += f.chunk({}, done.finishReason);
    if (includeUsage && done.usage) held += usageChunk(id, at, f.model, done.usage);
    const text = held + SSE_DONE;
    held = '';
    res.end(text);
    boundDelivery(res, deliveryMs);
    return { kind: 'ok', provider: done.provider, degraded: done.degraded, attempts: done.attempts };
  } catch (err) {
    if (!res.headersSent) throw err; // nothing sent yet: an ordinary HTTP error answer
    // Mid-stream: say so in the stream, and end WITHOUT [DONE] (never a clean end).
    const reply = chainErrorReply(err);
    if (!res.destroyed) {
      const text = held + sse(reply.body);
      held = '';
      res.end(text);
      // a client that stopped reading may never take it: its connection does not stay open for that
      boundDelivery(res, deliveryMs);
    }
    return { kind: outcomeOf(err), attempts: err instanceof EngineError ? err.attempts : [] };
  }
}

/**
 * Resolves when the client has taken the buffered bytes, has gone, or the run has ended. A client
 * that takes none of them within the delivery bound is cut off as one that does not take a
 * written answer is (its connection closes, and the run is aborted).
 */
function drained(res: ServerResponse, runSignal: AbortLike, deliveryMs: number): Promise<void> {
  if (res.destroyed || runSignal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => cutDelivery(res, deliveryMs), deliveryMs).unref();
    const done = () => {
      clearTimeout(timer);
      res.off('drain', done).off('close', done);
      runSignal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done).once('close', done);
    runSignal.addEventListener('abort', done, { once: true });
  });
}

interface RequestHeaders {
  kind: 'ok';
  job?: string;
  deadlineMs?: number;
}

interface ParsedBody {
  kind: 'ok';
  request: ChatRequest;
  provider?: string;
  stream: boolean;
  includeUsage: boolean;
}

type Refused = { kind: 'reply'; reply: ErrorReply };

const bad = (message: string, param: string | null = null, status = 400, code: string | null = null): Refused => ({
  kind: 'reply',
  reply: errorReply(status, message, 'invalid_request_error', code, { param }),
});

/** The `x-lucy-*` headers, checked before the body is read. */
function readHeaders(req: IncomingMessage, ctx: ChatContext): RequestHeaders | Refused {
  const label = header(req, 'x-lucy-job');
  if (label !== undefined && !JOB_NAME.test(label))
    return bad('x-lucy-job must be 1-64 characters of letters, digits, . _ : -', 'x-lucy-job');
  // a label for the log, never a cron job's name: config job names cannot hold ':', so no client
  // can write a configured job's records, alert memory or served slots
  const job = label === undefined ? undefined : `serve:${label}`;
  const deadlineHeader = header(req, 'x-lucy-deadline-ms');
  const deadlineMs = deadlineHeader === undefined ? undefined : Number(deadlineHeader);
  if (
    deadlineMs !== undefined &&
    !(Number.isInteger(deadlineMs) && deadlineMs > 0 && deadlineMs <= ctx.chain.config.deadlineMs)
  ) {
    return bad(
      `x-lucy-deadline-ms must be a whole number of milliseconds from 1 to ${ctx.chain.config.deadlineMs}`,
      'x-lucy-deadline-ms',
    );
  }
  // no x-lucy-job: the chain's own job (serve's is "serve")
  return { kind: 'ok', job, deadlineMs };
}

function parseBody(body: BodyRead, ctx: ChatContext): ParsedBody | Refused {
  if (body.kind === 'too-large')
    return bad(`request body larger than ${body.limit} bytes (serve.maxBodyBytes)`, null, 413, 'request_too_large');
  if (body.kind === 'idle')
    return bad(
      `request body stalled: no byte for ${body.idleMs} ms (serve.bodyIdleTimeoutMs)`,
      null,
      408,
      'request_timeout',
    );
  if (body.kind === 'aborted') return bad('request body not received', null);
  let raw: unknown;
  try {
    raw = JSON.parse(body.text);
  } catch {
    return bad('request body is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('request body must be a JSON object');
  const { model, stream, stream_options: streamOptions, ...rest } = raw as Record<string, unknown>;
  if (!Array.isArray(rest.messages) || rest.messages.length === 0)
    return bad('messages must be a non-empty array', 'messages');
  let provider: string | undefined;
  if (model !== undefined && model !== 'auto') {
    if (typeof model !== 'string' || !ctx.chain.config.providers.some((p) => p.name === model)) {
      const names = ['auto', ...ctx.chain.config.providers.map((p) => p.name)].join(', ');
      return bad(
        `The model \`${String(model)}\` does not exist; use one of: ${names}`,
        'model',
        404,
        'model_not_found',
      );
    }
    provider = model;
  }
  const includeUsage = Boolean((streamOptions as { include_usage?: unknown } | undefined)?.include_usage);
  // streamed: the provider is asked for its usage chunk too (a non-streamed answer carries usage anyway)
  const request = (
    stream === true && streamOptions !== undefined ? { ...rest, stream_options: streamOptions } : rest
  ) as ChatRequest;
  return { kind: 'ok', request, provider, stream: stream === true, includeUsage };
}

/**
 * A chain that could not serve because its breakers are open says when to come back: the seconds
 * until the earliest of them is due for a trial, as `/healthz` does (clients such as the official
 * `openai` ones wait that long before their retry instead of retrying blindly).
 */
async function addRetryAfter(headers: Record<string, string>, chain: ChainInternals, from?: string): Promise<void> {
  const names = chain.config.providers.map((p) => p.name);
  try {
    const health = await readHealth(chain, from === undefined ? names : names.slice(names.indexOf(from)));
    if (health.retryAfterS) headers['retry-after'] = String(health.retryAfterS);
  } catch {
    // the answer is a 503 either way; a store that cannot be read only costs the hint
  }
}

function disclosure(
  r: { provider: string; model: string; degraded: boolean },
  record: CallRecord,
): Record<string, string> {
  return {
    'x-lucy-provider': r.provider,
    'x-lucy-model': r.model,
    'x-lucy-degraded': String(r.degraded),
    'x-lucy-run-id': record.runId,
  };
}

const created = (record: CallRecord) => Math.floor(Date.parse(record.scheduledFor) / 1000);

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A JSON answer; its client then has `deliveryMs` (serve.deliveryTimeoutMs) to take it. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
  deliveryMs: number,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
  boundDelivery(res, deliveryMs);
}
