/**
 * Acting out a fault on one HTTP exchange. Every timer is tied to the response's 'close' so a
 * client going away, or the server closing, leaves nothing running.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault } from './types.js';
import {
  type ChatBody,
  articleFor,
  chunkBody,
  chunkContent,
  completionBody,
  CONTEXT_LENGTH_BODY,
  defaultStatusBody,
  ERROR_BODY,
  errorJson,
  sse,
  usageFor,
} from './content.js';

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  chat: ChatBody;
  /** Completion id, e.g. chatcmpl-sim-7. */
  id: string;
  /** Sim time in epoch seconds, for `created`. */
  created: number;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const JSON_TYPE = 'application/json';

export function respond(fault: Fault, x: Exchange): void {
  switch (fault.kind) {
    case 'ok':
      return after(x.res, fault.latencyMs ?? 0, () => answerOk(fault, x));
    case 'status': {
      const fallback = defaultStatusBody(fault.status, x.chat.model);
      const contentType =
        fault.contentType ?? (fault.body === undefined ? fallback.contentType : guessType(fault.body));
      return send(x.res, fault.status, fault.body ?? fallback.body, contentType, fault.headers);
    }
    case 'rate-limit': {
      const headers: Record<string, string> = {};
      if (fault.retryAfterS !== undefined) headers['retry-after'] = String(fault.retryAfterS);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      if (Object.keys(headers).length === 0) headers['retry-after'] = '1';
      return send(x.res, 429, defaultStatusBody(429, x.chat.model).body, JSON_TYPE, headers);
    }
    case 'context-length':
      return send(x.res, 400, CONTEXT_LENGTH_BODY, JSON_TYPE);
    case 'hang':
      return; // never answer; close() or the client ends it
    case 'trickle':
      return trickle(fault.intervalMs ?? 1000, x);
    case 'cut':
      return cut(fault.afterChunks ?? 2, fault.how ?? 'destroy', x);
    case 'invalid-json': {
      const broken = `{"id":"${x.id}","object":"chat.completion","choices":[oops]`;
      if (!x.chat.stream) return send(x.res, 200, broken, JSON_TYPE);
      return sendStream(x.res, [sse(broken), sse('[DONE]')]);
    }
    case 'error-body':
      // OpenRouter-style: a 200 whose body (or first SSE event) is an error object
      if (!x.chat.stream) return send(x.res, 200, ERROR_BODY, JSON_TYPE);
      return sendStream(x.res, [sse(ERROR_BODY)]);
    case 'empty-choices': {
      const body = {
        id: x.id,
        object: 'chat.completion',
        created: x.created,
        model: x.chat.model,
        choices: [],
        usage: usageFor(x.chat, ''),
      };
      if (!x.chat.stream) return send(x.res, 200, JSON.stringify(body), JSON_TYPE);
      return sendStream(x.res, [sse({ ...body, object: 'chat.completion.chunk', usage: undefined }), sse('[DONE]')]);
    }
    case 'reset':
      x.req.socket.resetAndDestroy();
      return;
    case 'flood':
      return flood(fault.chunkBytes ?? 65_536, fault.totalBytes ?? 100 * 1024 * 1024, x);
  }
}

/** Writes `piece` until `total` content bytes are out, only as fast as the client reads. */
function flood(size: number, total: number, x: Exchange): void {
  const content = 'x'.repeat(size);
  let head: string, piece: Buffer, tail: string;
  if (x.chat.stream) {
    x.res.writeHead(200, SSE_HEADERS);
    head = openingFrames(x, []).join('');
    piece = Buffer.from(sse(chunkBody(x.id, x.created, x.chat.model, { content })));
    tail = sse(chunkBody(x.id, x.created, x.chat.model, {}, 'stop')) + sse('[DONE]');
  } else {
    // the JSON completion, split around its content (no content-length: it is written as it goes)
    const marker = '\u0000content\u0000';
    const whole = JSON.stringify(completionBody(x.id, x.created, x.chat, marker));
    const at = whole.indexOf(JSON.stringify(marker).slice(1, -1));
    x.res.writeHead(200, { 'content-type': JSON_TYPE });
    head = whole.slice(0, at);
    piece = Buffer.from(content);
    tail = whole.slice(at + JSON.stringify(marker).length - 2);
  }
  x.res.write(head);
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      if (x.res.destroyed) return;
      sent += size;
      if (!x.res.write(piece)) return void x.res.once('drain', pump);
    }
    x.res.end(tail);
  };
  pump();
}

function answerOk(fault: Extract<Fault, { kind: 'ok' }>, x: Exchange): void {
  const content = fault.content ?? articleFor(x.chat.prompt, x.chat.model);
  if (!x.chat.stream)
    return send(x.res, 200, JSON.stringify(completionBody(x.id, x.created, x.chat, content)), JSON_TYPE);
  const frames = [
    ...openingFrames(x, chunkContent(content)),
    sse(chunkBody(x.id, x.created, x.chat.model, {}, 'stop')),
  ];
  if (x.chat.includeUsage) {
    frames.push(
      sse({
        id: x.id,
        object: 'chat.completion.chunk',
        created: x.created,
        model: x.chat.model,
        choices: [],
        usage: usageFor(x.chat, content),
      }),
    );
  }
  frames.push(sse('[DONE]'));
  sendStream(x.res, frames, fault.chunkDelayMs ?? 0);
}

/** The role chunk (as OpenAI sends first) followed by content deltas. */
function openingFrames(x: Exchange, deltas: string[]): string[] {
  const frame = (delta: Record<string, string>) => sse(chunkBody(x.id, x.created, x.chat.model, delta));
  return [frame({ role: 'assistant', content: '' }), ...deltas.map((content) => frame({ content }))];
}

function trickle(intervalMs: number, x: Exchange): void {
  const keepAlive = x.chat.stream ? ': keep-alive\n\n' : '\n';
  x.res.writeHead(200, x.chat.stream ? SSE_HEADERS : { 'content-type': JSON_TYPE });
  x.res.write(keepAlive);
  const timer = setInterval(() => x.res.write(keepAlive), intervalMs);
  x.res.on('close', () => clearInterval(timer));
}

function cut(afterChunks: number, how: 'destroy' | 'end', x: Exchange): void {
  const content = articleFor(x.chat.prompt, x.chat.model);
  let partial: string;
  if (x.chat.stream) {
    x.res.writeHead(200, SSE_HEADERS);
    partial = openingFrames(x, chunkContent(content).slice(0, afterChunks)).join('');
  } else {
    const full = JSON.stringify(completionBody(x.id, x.created, x.chat, content));
    // Promise the whole body, deliver half: the client sees a premature close.
    x.res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(full) });
    partial = full.slice(0, Math.floor(full.length / 2));
  }
  if (how === 'end' && x.chat.stream) {
    x.res.end(partial); // a clean end of the stream, but no finish chunk and no [DONE]
    return;
  }
  // Destroy only once the partial bytes have left, or the client might see no bytes at all.
  x.res.write(partial, () => x.req.socket.destroy());
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Writes SSE frames, `delayMs` apart (all at once when 0), then ends the response. */
function sendStream(res: ServerResponse, frames: string[], delayMs = 0): void {
  res.writeHead(200, SSE_HEADERS);
  if (delayMs <= 0) return void res.end(frames.join(''));
  let i = 0;
  const next = () => {
    if (i === frames.length - 1) return void res.end(frames[i]);
    res.write(frames[i++]);
    after(res, delayMs, next);
  };
  next();
}

/** Runs `fn` after `ms` unless the exchange closed first. */
function after(res: ServerResponse, ms: number, fn: () => void): void {
  if (ms <= 0) return fn();
  const cancel = () => clearTimeout(timer);
  const timer = setTimeout(() => {
    res.off('close', cancel);
    fn();
  }, ms);
  res.once('close', cancel);
}

function guessType(body: string): string {
  const start = body.trimStart()[0];
  return start === '{' || start === '[' ? JSON_TYPE : start === '<' ? 'text/html' : 'text/plain';
}

export const badRequestBody = (message: string) => errorJson(message, 'invalid_request_error', null);
