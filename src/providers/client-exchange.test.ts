import { describe, expect, it } from 'vitest';
import { Exchange, type ExchangeSink } from './client-exchange.js';

/** A sink that records what reaches it, in order. */
function recorder(onData?: (exchange: Exchange) => void) {
  const heard: string[] = [];
  const sink: ExchangeSink = {
    head: (status) => heard.push(`head ${status}`),
    data: (chunk) => {
      heard.push(`data ${chunk.toString()}`);
      onData?.(exchange);
    },
    end: () => heard.push('end'),
    error: (err) => heard.push(`error ${err.message}`),
  };
  const exchange = new Exchange(sink);
  return { exchange, heard };
}

describe('Exchange (undici dispatch handler of one attempt)', () => {
  it('hands the final response to the sink: 1xx skipped, head, chunks, end once, no error after the end', () => {
    const { exchange, heard } = recorder();
    exchange.onConnect(() => undefined);
    expect(exchange.onHeaders(100, [], () => undefined)).toBe(true);
    expect(exchange.onHeaders(200, [], () => undefined)).toBe(true);
    expect(exchange.onData(Buffer.from('a'))).toBe(true);
    exchange.onComplete();
    exchange.onComplete();
    exchange.onError(new Error('late'));
    expect(heard).toEqual(['head 200', 'data a', 'end']);
    expect(exchange.done).toBe(true);
  });

  it('pause() in data stops undici reading; resume() calls the resume undici gave with the headers', () => {
    let resumed = 0;
    const { exchange } = recorder((e) => e.pause());
    exchange.onConnect(() => undefined);
    exchange.onHeaders(200, [], () => resumed++);
    expect(exchange.onData(Buffer.from('a'))).toBe(false);
    exchange.resume();
    exchange.resume(); // not paused any more: nothing to resume
    expect(resumed).toBe(1);
  });

  it('abort() mid-way aborts the request with the reason, and the sink hears nothing after it', () => {
    const aborted: unknown[] = [];
    const { exchange, heard } = recorder();
    exchange.onConnect((err) => aborted.push(err));
    exchange.onHeaders(200, [], () => undefined);
    const cut = new Error('idle');
    exchange.abort(cut);
    // what undici does next: the error of the abort, maybe a chunk already parsed
    exchange.onError(cut);
    expect(exchange.onData(Buffer.from('late'))).toBe(false);
    expect(aborted).toEqual([cut]);
    expect(heard).toEqual(['head 200']);
    expect(exchange.done).toBe(true);
  });

  it('abort() before undici reached the request abandons it as soon as undici connects it', () => {
    const { exchange, heard } = recorder();
    exchange.abort(new Error('deadline'));
    const aborted: unknown[] = [];
    exchange.onConnect((err) => aborted.push(err));
    expect((aborted[0] as Error).message).toBe('deadline');
    expect(exchange.onHeaders(200, [], () => undefined)).toBe(false);
    expect(heard).toEqual([]);
  });

  it('abort() after the end changes nothing (no abort, no error made)', () => {
    const aborted: unknown[] = [];
    const { exchange, heard } = recorder();
    exchange.onConnect((err) => aborted.push(err));
    exchange.onHeaders(200, [], () => undefined);
    exchange.onComplete();
    exchange.abort();
    expect(aborted).toEqual([]);
    expect(heard).toEqual(['head 200', 'end']);
  });
});
