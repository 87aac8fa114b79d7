import { describe, expect, it } from 'vitest';
import { OutputTail } from './output-tail.js';

describe('OutputTail', () => {
  it('keeps the last lines, without the trailing blank line', () => {
    const tail = new OutputTail({ maxLines: 3 });
    for (let i = 1; i <= 10; i++) tail.push(`line ${i}\n`);
    expect(tail.text()).toBe('line 8\nline 9\nline 10');
  });

  it('joins lines split across chunks and is empty when nothing was printed', () => {
    expect(new OutputTail().text()).toBe('');
    const tail = new OutputTail();
    tail.push('hel');
    tail.push(Buffer.from('lo wor'));
    tail.push('ld\n');
    expect(tail.text()).toBe('hello world');
  });

  it('strips colour codes and keeps what a \\r-redrawn progress line finally showed', () => {
    const tail = new OutputTail();
    tail.push('\x1b[32mok\x1b[0m build\r\n');
    tail.push('progress 10%\rprogress 50%\rprogress 100%\n');
    expect(tail.text()).toBe('ok build\nprogress 100%');
  });

  it('bounds characters and memory however much is printed, and never starts mid-character', () => {
    const tail = new OutputTail({ maxChars: 100 });
    const chunk = 'é'.repeat(333) + '\n';
    for (let i = 0; i < 10_000; i++) tail.push(chunk);
    const text = tail.text();
    expect(text.length).toBeLessThanOrEqual(100);
    expect(text).toMatch(/^é+$/);
    expect((tail as unknown as { bytes: number }).bytes).toBeLessThan(2 * 400 + chunk.length * 2 + 1);
  });

  it('cuts one huge line to the last maxChars characters', () => {
    const tail = new OutputTail({ maxChars: 10 });
    tail.push('x'.repeat(100_000) + 'END');
    expect(tail.text()).toBe('xxxxxxxEND');
  });
});
