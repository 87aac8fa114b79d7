/**
 * Sim scripts: validation, loading from JSON, and choosing the fault for a request.
 * Format and matching rules: src/sim/README.md.
 */
import { readFile } from 'node:fs/promises';
import type { Fault, SimRule, SimScript } from './types.js';

/** Field checks per fault kind: `true` when the value is acceptable (fields are all optional). */
type Check = (v: unknown) => boolean;
const isMs: Check = (v) => Number.isInteger(v) && (v as number) >= 0;
const isString: Check = (v) => typeof v === 'string';
const isStringMap: Check = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

const FAULT_FIELDS: Record<Fault['kind'], Record<string, [Check, string]>> = {
  ok: {
    latencyMs: [isMs, 'a whole number of ms ≥ 0'],
    content: [isString, 'a string'],
    chunkDelayMs: [isMs, 'a whole number of ms ≥ 0'],
  },
  status: {
    status: [(v) => Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 599, 'an HTTP status 100-599'],
    body: [isString, 'a string'],
    contentType: [isString, 'a string'],
    headers: [isStringMap, 'an object of header name → string'],
  },
  'rate-limit': {
    retryAfterS: [(v) => typeof v === 'number' && v >= 0, 'a number of seconds ≥ 0'],
    retryAfterMs: [isMs, 'a whole number of ms ≥ 0'],
  },
  'context-length': {},
  hang: {},
  trickle: { intervalMs: [(v) => Number.isInteger(v) && (v as number) > 0, 'a whole number of ms > 0'] },
  cut: {
    afterChunks: [isMs, 'a whole number ≥ 0'],
    how: [(v) => v === 'destroy' || v === 'end', '"destroy" or "end"'],
  },
  'invalid-json': {},
  'error-body': {},
  'empty-choices': {},
  reset: {},
  flood: {
    chunkBytes: [(v) => Number.isInteger(v) && (v as number) > 0, 'a whole number > 0'],
    totalBytes: [(v) => Number.isInteger(v) && (v as number) > 0, 'a whole number > 0'],
  },
};
const REQUIRED: Partial<Record<Fault['kind'], string[]>> = { status: ['status'] };

const isIso: Check = (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const RULE_FIELDS: Record<string, [Check, string]> = {
  from: [isIso, 'an ISO time'],
  until: [isIso, 'an ISO time'],
  times: [(v) => Number.isInteger(v) && (v as number) > 0, 'a whole number > 0'],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkFault(value: unknown, path: string): Fault {
  if (!isObject(value)) throw new Error(`${path}: must be a fault object like {"kind": "ok"}`);
  const kinds = Object.keys(FAULT_FIELDS);
  if (typeof value.kind !== 'string' || !kinds.includes(value.kind)) {
    throw new Error(`${path}.kind: must be one of ${kinds.join(', ')}`);
  }
  const kind = value.kind as Fault['kind'];
  checkFields(value, FAULT_FIELDS[kind], REQUIRED[kind] ?? [], path, ['kind']);
  return value as Fault;
}

function checkRule(value: unknown, path: string): SimRule {
  if (!isObject(value))
    throw new Error(`${path}: must be a rule object like {"fault": {...}, "from": ISO, "until": ISO}`);
  if (!('fault' in value)) throw new Error(`${path}.fault: is required`);
  checkFault(value.fault, `${path}.fault`);
  checkFields(value, RULE_FIELDS, [], path, ['fault']);
  return value as unknown as SimRule;
}

function checkFields(
  value: Record<string, unknown>,
  fields: Record<string, [Check, string]>,
  required: string[],
  path: string,
  skip: string[],
) {
  for (const name of required) if (!(name in value)) throw new Error(`${path}.${name}: is required`);
  for (const [name, v] of Object.entries(value)) {
    if (skip.includes(name)) continue;
    const field = fields[name];
    if (!field) throw new Error(`${path}.${name}: unknown field`);
    if (v !== undefined && !field[0](v)) throw new Error(`${path}.${name}: must be ${field[1]}`);
  }
}

/** Validates an unknown value as a SimScript; the error names the offending path. */
export function parseSimScript(value: unknown, source = 'sim script'): SimScript {
  if (!isObject(value)) throw new Error(`${source}: must be an object of model name → fault or rule list`);
  const script: SimScript = {};
  try {
    for (const [model, entry] of Object.entries(value)) {
      script[model] = Array.isArray(entry)
        ? entry.map((r, i) => checkRule(r, `${model}[${i}]`))
        : checkFault(entry, model);
    }
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
  return script;
}

/** Reads and validates a JSON sim script file. */
export async function loadSimScript(path: string): Promise<SimScript> {
  const text = await readFile(path, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseSimScript(value, path);
}

interface CompiledRule {
  fault: Fault;
  from: number;
  until: number;
  times: number;
  used: number;
}

/** The outcome of looking up a model in the script. */
export type Pick = { kind: 'fault'; fault: Fault } | { kind: 'unknown-model' };

const OK: Fault = { kind: 'ok' };

/**
 * A script ready to answer "what happens to this request?". Rule use counts (`times`) live here,
 * so a new script starts them over.
 */
export class ActiveScript {
  private readonly rules = new Map<string, CompiledRule[]>();

  constructor(readonly script: SimScript) {
    for (const [model, entry] of Object.entries(script)) {
      const list = Array.isArray(entry) ? entry : [{ fault: entry }];
      this.rules.set(
        model,
        list.map((r) => ({
          fault: r.fault,
          from: r.from === undefined ? -Infinity : Date.parse(r.from),
          until: r.until === undefined ? Infinity : Date.parse(r.until),
          times: r.times ?? Infinity,
          used: 0,
        })),
      );
    }
  }

  /** Model names the script knows (without '*'). */
  models(): string[] {
    return [...this.rules.keys()].filter((m) => m !== '*');
  }

  /**
   * The model's own rules first, then '*' rules; the first whose window holds `now` and whose
   * `times` is not used up wins and is consumed. A known model with no matching rule answers ok;
   * a model neither named nor covered by '*' is unknown (404).
   */
  pick(model: string, now: number): Pick {
    const own = this.rules.get(model);
    const any = this.rules.get('*');
    if (!own && !any) return { kind: 'unknown-model' };
    for (const rule of [...(own ?? []), ...(any ?? [])]) {
      if (now < rule.from || now >= rule.until || rule.used >= rule.times) continue;
      rule.used++;
      return { kind: 'fault', fault: rule.fault };
    }
    return { kind: 'fault', fault: OK };
  }
}
