/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), written from the spec so tests
 * validate what the textfile writer produces instead of eyeballing it. It throws on anything the
 * spec forbids: bad names, bad escapes, a TYPE after its samples, a family split in two, a
 * duplicate series, a negative counter, a missing final newline.
 */

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestamp?: number;
}

export interface ParsedFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, ParsedFamily>();
  const finished = new Set<string>();
  const seriesSeen = new Set<string>();
  let current: string | undefined;

  const familyOf = (sampleName: string): string => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      const base = sampleName.slice(0, -suffix.length);
      if (sampleName.endsWith(suffix) && ['histogram', 'summary'].includes(families.get(base)?.type ?? '')) return base;
    }
    return sampleName;
  };
  const enter = (name: string, lineNo: number) => {
    if (current === name) return;
    if (finished.has(name)) throw new Error(`line ${lineNo}: family ${name} is split (its lines must be contiguous)`);
    if (current) finished.add(current);
    current = name;
  };

  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) return; // an ordinary comment
      const [, keyword, name, rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`line ${lineNo}: bad metric name ${JSON.stringify(name)}`);
      enter(name, lineNo);
      const fam = families.get(name) ?? { name, type: 'untyped' as const, samples: [] };
      families.set(name, fam);
      if (keyword === 'HELP') {
        if (fam.help !== undefined) throw new Error(`line ${lineNo}: second HELP for ${name}`);
        fam.help = unescape(rest, false, lineNo);
      } else {
        const type = rest.trim();
        if (!TYPES.has(type)) throw new Error(`line ${lineNo}: bad TYPE ${JSON.stringify(type)}`);
        if ((fam as { typed?: boolean }).typed) throw new Error(`line ${lineNo}: second TYPE for ${name}`);
        if (fam.samples.length) throw new Error(`line ${lineNo}: TYPE for ${name} after its samples`);
        fam.type = type as ParsedFamily['type'];
        (fam as { typed?: boolean }).typed = true;
      }
      return;
    }
    const sample = parseSample(line, lineNo);
    const famName = familyOf(sample.name);
    enter(famName, lineNo);
    const fam = families.get(famName) ?? { name: famName, type: 'untyped' as const, samples: [] };
    families.set(famName, fam);
    const key = sample.name + JSON.stringify(Object.entries(sample.labels).sort());
    if (seriesSeen.has(key)) throw new Error(`line ${lineNo}: duplicate series ${line}`);
    seriesSeen.add(key);
    if (fam.type === 'counter' && !(sample.value >= 0))
      throw new Error(`line ${lineNo}: counter ${sample.name} is ${sample.value}`);
    fam.samples.push(sample);
  });
  for (const fam of families.values()) delete (fam as { typed?: boolean }).typed;
  return families;
}

function parseSample(line: string, lineNo: number): ParsedSample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`line ${lineNo}: no metric name: ${line}`);
  const name = nameMatch[0];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos++;
    while (line[pos] !== '}') {
      const ln = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(pos));
      if (!ln || !LABEL_NAME.test(ln[0])) throw new Error(`line ${lineNo}: bad label name at ${pos}: ${line}`);
      pos += ln[0].length;
      if (line.slice(pos, pos + 2) !== '="') throw new Error(`line ${lineNo}: expected =" after ${ln[0]}`);
      pos += 2;
      let raw = '';
      while (pos < line.length && line[pos] !== '"') {
        if (line[pos] === '\\') {
          raw += line.slice(pos, pos + 2);
          pos += 2;
        } else raw += line[pos++];
      }
      if (line[pos] !== '"') throw new Error(`line ${lineNo}: unterminated label value`);
      pos++;
      if (ln[0] in labels) throw new Error(`line ${lineNo}: label ${ln[0]} twice`);
      labels[ln[0]] = unescape(raw, true, lineNo);
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') throw new Error(`line ${lineNo}: expected , or } at ${pos}: ${line}`);
    }
    pos++;
  }
  const rest = line.slice(pos);
  const m = /^[ \t]+(\S+)(?:[ \t]+(-?\d+))?[ \t]*$/.exec(rest);
  if (!m) throw new Error(`line ${lineNo}: bad value part ${JSON.stringify(rest)}`);
  const value = parseValue(m[1], lineNo);
  return { name, labels, value, ...(m[2] ? { timestamp: Number(m[2]) } : {}) };
}

function parseValue(s: string, lineNo: number): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s))
    throw new Error(`line ${lineNo}: bad value ${JSON.stringify(s)}`);
  return Number(s);
}

/** Label values may escape \\, \" and \n; HELP text only \\ and \n. Anything else is an error. */
function unescape(raw: string, quotes: boolean, lineNo: number): string {
  return raw.replace(/\\(.)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quotes) return '"';
    throw new Error(`line ${lineNo}: bad escape \\${c}`);
  });
}
