// A hostile upstream (the simulator) whose answer makes a reader throw: the throw is that attempt's
// typed failure, never an exception in undici's parser or the process; the pool keeps working.
import { afterAll, describe, expect, it } from 'vitest';
import type { ResolvedProvider } from '../config/types.js';
import { failureOf } from '../../test/helpers/failure.js';
import { useSimulator } from '../../test/helpers/sim.js';
import { ExchangeSinkError } from './client-exchange.js';
import { closeProviderAgent, complete } from './openai-compatible.js';

const sim = useSimulator();
afterAll(() => closeProviderAgent());

const provider = (model: string, stream: boolean): ResolvedProvider => ({
  name: 'hostile',
  baseUrl: sim.url,
  model,
  timeoutMs: 5000,
  idleTimeoutMs: 5000,
  maxResponseBytes: 1024 * 1024,
  stream,
});
const request = { messages: [{ role: 'user' as const, content: 'hi' }] };
const SSE = 'text/event-stream';

/** `"choices": [null]`: valid JSON the stream reader does not expect (it reads `choice.delta`). */
const NULL_CHOICE = 'data: {"choices":[null]}';

describe('a reader that throws on a hostile answer', () => {
  it.each([
    // the event completes with its blank line, in a chunk: the reader throws in data
    ['data', `${NULL_CHOICE}\n\n`],
    // no blank line: the event completes only when the body ends, so the reader throws in end
    ['end', NULL_CHOICE],
  ])(
    'in %s: a server failure whose cause is the ExchangeSinkError and, under it, the TypeError',
    async (phase, body) => {
      sim.setScript({ hostile: { kind: 'status', status: 200, body, contentType: SSE }, ok: { kind: 'ok' } });
      const warnings: unknown[] = [];
      const onWarning = (w: unknown) => warnings.push(w);
      process.on('warning', onWarning);
      try {
        const { err } = await failureOf(() => complete(provider('hostile', true), request));
        expect(err.errorType).toBe('server');
        expect(err.message).toMatch(new RegExp(`^the answer of hostile could not be read \\(${phase}\\): TypeError: `));
        const cause = err.cause as ExchangeSinkError;
        expect(cause).toBeInstanceOf(ExchangeSinkError);
        expect(cause.phase).toBe(phase);
        expect(cause.cause).toBeInstanceOf(TypeError);
        // the same pool serves the next call: nothing in undici was left broken
        const next = await complete(provider('ok', true), request);
        expect(next.content.length).toBeGreaterThan(0);
        expect(warnings).toEqual([]);
      } finally {
        process.off('warning', onWarning);
      }
    },
  );

  it('a ProviderError a reader throws on purpose keeps its own type (an error event mid-stream)', async () => {
    const body = 'data: {"error":{"message":"upstream overloaded"}}\n\n';
    sim.setScript({ hostile: { kind: 'status', status: 200, body, contentType: SSE } });
    const { err } = await failureOf(() => complete(provider('hostile', true), request));
    expect(err.errorType).toBe('error-body');
    expect(err.message).toContain('upstream overloaded');
  });
});
