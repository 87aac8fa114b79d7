/**
 * What serve answers when node:http gives up on a client before a request reached a handler, or
 * while its handler waits for the body: a request or its headers that took longer than
 * serve.requestTimeoutMs / serve.headersTimeoutMs, headers too large, bytes that are not HTTP.
 * The same statuses node:http sends by default, with the JSON error body every other serve answer
 * has; then the connection is closed.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorReply } from './openai.js';

/** node:http's code → status (its own defaults), message and error code. */
const REPLIES: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'request not received in time (serve.headersTimeoutMs / serve.requestTimeoutMs)',
    'request_timeout',
  ],
  HPE_HEADER_OVERFLOW: [431, 'request headers too large', 'request_headers_too_large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'chunk extensions too large', 'request_too_large'],
};
const BAD_REQUEST: [number, string, string] = [400, 'malformed HTTP request', 'bad_request'];

/** The server's 'clientError' listener. */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // node:http's own rule: answer only on a socket that can take it and only when no answer has
  // begun on it (a stream already going out is not interrupted by a stray status line)
  const started = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !started) {
    const [status, message, code] = REPLIES[err.code ?? ''] ?? BAD_REQUEST;
    const r = errorReply(status, message, 'invalid_request_error', code);
    const body = JSON.stringify(r.body);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
