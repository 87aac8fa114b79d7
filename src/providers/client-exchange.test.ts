import { describe, expect, it } from 'vitest';
import { Exchange, ExchangeSinkError, type ExchangeSink } from './client-exchange.js';

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

  describe('a sink callback that throws never reaches undici', () => {
    /** A sink whose callback `phase` throws `thrown`; records the errors it hears. */
    function throwing(phase: 'head' | 'data' | 'end', thrown: unknown) {
      const errors: Error[] = [];
      const sink: ExchangeSink = {
        head: () => {
          if (phase === 'head') throw thrown;
        },
        data: () => {
          if (phase === 'data') throw thrown;
        },
        end: () => {
          if (phase === 'end') throw thrown;
        },
        error: (err) => errors.push(err),
      };
      const exchange = new Exchange(sink);
      const aborted: unknown[] = [];
      exchange.onConnect((err) => aborted.push(err));
      return { exchange, errors, aborted };
    }

    it('head: the request is aborted and the sink hears an ExchangeSinkError whose cause is what was thrown', () => {
      const bug = new TypeError("Cannot read properties of null (reading 'delta')");
      const { exchange, errors, aborted } = throwing('head', bug);
      expect(exchange.onHeaders(200, [], () => undefined)).toBe(false);
      expect(errors).toHaveLength(1);
      const failure = errors[0] as ExchangeSinkError;
      expect(failure).toBeInstanceOf(ExchangeSinkError);
      expect(failure).toMatchObject({ phase: 'head', code: 'LUCY_EXCHANGE_SINK', cause: bug });
      expect(aborted).toEqual([failure]);
      // what undici does next (the error of the abort, a chunk already parsed) reaches nobody
      exchange.onError(failure);
      expect(exchange.onData(Buffer.from('late'))).toBe(false);
      exchange.onComplete();
      expect(errors).toHaveLength(1);
      expect(exchange.done).toBe(true);
    });

    it('data: the same, and a thrown non-Error is kept as the cause too', () => {
      const { exchange, errors, aborted } = throwing('data', 'a string');
      exchange.onHeaders(200, [], () => undefined);
      expect(exchange.onData(Buffer.from('x'))).toBe(false);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ phase: 'data', cause: 'a string' });
      expect(errors[0].message).toContain('a string');
      expect(aborted).toHaveLength(1);
    });

    it('end: undici is done with the request (nothing to abort), and the sink still hears that its end failed', () => {
      const bug = new RangeError('boom');
      const { exchange, errors, aborted } = throwing('end', bug);
      exchange.onHeaders(200, [], () => undefined);
      expect(() => exchange.onComplete()).not.toThrow();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ phase: 'end', cause: bug });
      expect(aborted).toEqual([]);
      exchange.onError(new Error('late'));
      expect(errors).toHaveLength(1);
    });

    it('a sink that settled and aborted the exchange itself before throwing hears nothing more', () => {
      const errors: Error[] = [];
      const exchange: Exchange = new Exchange({
        head: () => undefined,
        data: () => {
          exchange.abort(new Error('settled'));
          throw new Error('after');
        },
        end: () => undefined,
        error: (err) => errors.push(err),
      });
      exchange.onConnect(() => undefined);
      exchange.onHeaders(200, [], () => undefined);
      expect(exchange.onData(Buffer.from('x'))).toBe(false);
      expect(errors).toEqual([]);
    });

    it('an error() that throws becomes a process warning, not a throw into undici', () => {
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      const emitted = new Promise<void>((resolve) => process.once('warning', () => resolve()));
      process.on('warning', onWarning);
      const exchange = new Exchange({
        head: () => undefined,
        data: () => undefined,
        end: () => undefined,
        error: () => {
          throw new Error('error() failed');
        },
      });
      exchange.onConnect(() => undefined);
      expect(() => exchange.onError(new Error('reset'))).not.toThrow();
      return emitted.then(() => {
        process.off('warning', onWarning);
        expect(warnings[0]).toBeInstanceOf(ExchangeSinkError);
        expect(warnings[0]).toMatchObject({ phase: 'error', message: expect.stringContaining('error() failed') });
      });
    });
  });
});
