import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseExposition } from './exposition.js';

describe('the exposition parser (so the textfile checks can fail)', () => {
  it('reads what prom-client itself writes', async () => {
    const registry = new client.Registry();
    const c = new client.Counter({
      name: 'x_total',
      help: 'a "counter"\\ with\nnewline',
      labelNames: ['job'],
      registers: [registry],
    });
    c.inc({ job: 'we"ird\\na\nme' }, 3);
    const g = new client.Gauge({ name: 'y', help: 'g', registers: [registry] });
    g.set(1.5e9);
    const fams = parseExposition(await registry.metrics());
    expect(fams.get('x_total')).toMatchObject({
      type: 'counter',
      help: 'a "counter"\\ with\nnewline',
      samples: [{ labels: { job: 'we"ird\\na\nme' }, value: 3 }],
    });
    expect(fams.get('y')?.samples[0].value).toBe(1.5e9);
  });

  it.each([
    ['no final newline', 'a 1'],
    ['bad metric name', '1a 1\n'],
    ['bad escape', 'a{l="\\x"} 1\n'],
    ['unterminated label', 'a{l="x} 1\n'],
    ['bad value', 'a one\n'],
    ['duplicate series', 'a{l="x"} 1\na{l="x"} 2\n'],
    ['TYPE after samples', 'a 1\n# TYPE a gauge\n'],
    ['split family', '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{l="y"} 2\n'],
    ['negative counter', '# TYPE a_total counter\na_total -1\n'],
    ['bad type', '# TYPE a meter\n'],
  ])('rejects %s', (_, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});
