// Generators of structurally hostile request bodies for the fuzz tests: values of the wrong type,
// numbers JSON cannot hold (1e400 parses to Infinity), NaN-like and very long strings, lone
// surrogates, prototype keys, deep nesting, malformed JSON text, and near-valid bodies with exactly
// one field made invalid. Bodies are written as JSON text by jsonText(), so RawJson tokens and own
// `__proto__` keys reach the server as they are.
import fc from 'fast-check';

/** JSON text written verbatim into a body: tokens JSON.stringify cannot make (1e400, -0, deep nesting). */
export class RawJson {
  constructor(readonly text: string) {}
  toString() {
    return this.text.length > 80 ? `RawJson(${this.text.slice(0, 40)}…${this.text.length} chars)` : `RawJson(${this.text})`;
  }
}

/** The value as the server's JSON.parse will see it. */
export const parsedValue = (value: unknown): unknown => (value instanceof RawJson ? JSON.parse(value.text) : value);

/** JSON text of a value; RawJson verbatim, every own key (an own `__proto__` included). */
export function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${jsonText((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** An object with these own keys (an own `__proto__` key too, which an object literal would make the prototype). */
export function ownKeys(entries: Array<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

export const prototypeKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

const nanLikeStrings = ['NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '-0', '0x1F', '1_000', ' 1', '1 ', '+1', '.5', '1e-400', 'null', 'undefined', 'true', '[]', '{}', '１２', '٣', '½'];
const oddStrings = ['', ' ', '\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', 'İ', '../../../../etc/passwd', '/etc/passwd', 'file:///etc/passwd', '%2e%2e%2f', '%00', "'; DROP TABLE models; --", '<script>alert(1)</script>', '${process.exit()}', 'a\nb', '\\', '"', '💥'.repeat(8)];

/** Strings a server may choke on: random unicode (lone surrogates included), NaN-like, odd, very long. */
export const hostileString = (maxLength = 6000): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom(...nanLikeStrings, ...oddStrings, ...prototypeKeys),
    fc.integer({ min: Math.min(2001, maxLength), max: maxLength }).map((n) => 'x'.repeat(n)),
    fc.integer({ min: Math.min(100, Math.floor(maxLength / 2)), max: Math.floor(maxLength / 2) }).map((n) => '\u00e9'.repeat(n)),
  );

/** Numbers at and past the edges: huge, tiny, negative, fractional, unsafe, and JSON text for ±Infinity and -0. */
export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    new RawJson('1e400'),
    new RawJson('-1e400'),
    new RawJson('1e-400'),
    new RawJson('-0'),
    new RawJson('123456789012345678901234567890'),
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    Number.MIN_SAFE_INTEGER - 2,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 64,
    0,
    -1,
    0.5,
    -0.5,
    1e21,
    5e-324,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Objects made of prototype keys, as JSON.parse makes them (own keys). */
export const prototypeObject: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.constantFrom(...prototypeKeys), fc.constantFrom<unknown>({ polluted: true }, null, 1, 'x', [], { prototype: { polluted: true } }))
  .map(([k, v]) => ownKeys([[k, v]]));

/** Arrays or objects nested `depth` deep (JSON text, so depth costs no recursion here), up to a body limit. */
export const deepNesting = (maxBytes: number): fc.Arbitrary<RawJson> =>
  fc.tuple(fc.integer({ min: Math.min(64, Math.floor(maxBytes / 6)), max: Math.floor(maxBytes / 6) }), fc.boolean()).map(([depth, arrays]) =>
    arrays ? new RawJson(`${'['.repeat(depth)}1${']'.repeat(depth)}`) : new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  );

/** Any JSON value, the wrong-type values above, prototype objects and deep nesting. */
export const hostileValue = (maxBytes = 16 * 1024): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 3 },
    { arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], [[]], ['']), weight: 2 },
    { arbitrary: hostileString(Math.floor(Math.min(6000, maxBytes / 3))), weight: 3 },
    { arbitrary: hostileNumber, weight: 3 },
    { arbitrary: prototypeObject, weight: 1 },
    { arbitrary: deepNesting(maxBytes), weight: 1 },
    { arbitrary: fc.array(hostileNumber, { maxLength: 5 }), weight: 1 },
  );

/** A hostile value for which `valid` (the field's contract, as the test reads it) is false. */
export const invalidFor = (valid: (value: unknown) => boolean, maxBytes?: number): fc.Arbitrary<unknown> =>
  hostileValue(maxBytes).filter((v) => !valid(parsedValue(v)));

/** Text that is not JSON at all, or JSON cut short. */
export const malformedJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{', '}', '[', '{"a":}', '{"a" 1}', "{'a':1}", '{a:1}', '[1,]', '{"a":1,}', 'NaN', 'Infinity', 'undefined', '\u0000', '\ufeff{}', '{"a":"\\x"}', '{"a":"\\u12"}', '"unterminated', '01', '--1', '{"a":1}{"b":2}', '/* c */{}', ' '),
  fc.string().filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc.jsonValue().map((v) => JSON.stringify(v)).filter((t) => t.length > 1).map((t) => t.slice(0, -1)).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
);

/** Content types that are not JSON, for a JSON body. */
export const nonJsonContentType: fc.Arbitrary<string> = fc.constantFrom(
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/xml',
  'application/jsonp',
  'application/json-patch',
  'text/json',
  'json',
  '',
  '*/*',
);

/** The base object with one field set to that field's invalid value, or one unknown or prototype key added. */
export function oneFieldInvalid(base: Record<string, unknown>, fields: Record<string, fc.Arbitrary<unknown>>, options: { strict?: boolean } = { strict: true }): fc.Arbitrary<Record<string, unknown>> {
  const mutations: fc.Arbitrary<Record<string, unknown>>[] = Object.entries(fields).map(([field, bad]) =>
    bad.map((value) => ownKeys([...Object.entries(base).filter(([k]) => k !== field), [field, value]])),
  );
  if (options.strict !== false) {
    const known = new Set([...Object.keys(base), ...Object.keys(fields)]);
    mutations.push(
      fc
        .tuple(fc.oneof(fc.constantFrom(...prototypeKeys), fc.string({ minLength: 1, maxLength: 20 })), fc.jsonValue({ maxDepth: 2 }))
        .filter(([k]) => !known.has(k))
        .map(([k, v]) => ownKeys([...Object.entries(base), [k, v]])),
    );
  }
  return fc.oneof(...mutations);
}

// Contract predicates the generators filter with, written from the API's documented rules.

/**
 * A record's entries as zod reads them: zod's z.record skips an own `__proto__` key (its guard against
 * prototype pollution), so a value under it is dropped, not checked. control-api.fuzz.test.ts holds
 * that to be refused; everywhere else the predicates read records as zod does.
 */
export const recordEntries = (v: Record<string, unknown>) => Object.entries(v).filter(([k]) => k !== '__proto__');
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isIntIn = (min: number, max: number) => (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
export const isNumberIn = (min: number, max: number) => (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
export const isStringOf = (min: number, max: number) => (v: unknown) => typeof v === 'string' && v.length >= min && v.length <= max;
export const matches = (pattern: RegExp) => (v: unknown) => typeof v === 'string' && pattern.test(v);

/** Whether a duration the API may accept: a positive number, or a string that merely looks like "30m". */
export const mayBeDuration = (v: unknown) => (typeof v === 'number' ? Number.isFinite(v) && v > 0 : typeof v === 'string' && /\d/.test(v) && /^\s*[\d.]+\s*[a-z]?\s*$/i.test(v));

/** Path segments that break a route's param rules (model names, versions, ids, digests). */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('..', '.', '%2e%2e', '%2F', '%00', '%E0%A4%A', '%', '%%', '%ZZ', 'A', 'UPPER', '-lead', '_lead', '.lead', 'a'.repeat(65), 'a'.repeat(300), 'sp%20ace', '%F0%9F%92%A5', '__proto__', 'constructor', 'null', 'undefined', 'NaN', 'Infinity', '-1', '0', '1.5', '1e400', '0x10', ' 1', '9'.repeat(30), 'ä', '%C3%A4'),
  fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }).map((s) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return '%ED%A0%80'; // a lone surrogate, UTF-8 encoded the way no valid text is
    }
  }),
);

/** A path segment that decodes to something other than `known` (for routes that must refuse it). */
export const segmentOtherThan = (...known: string[]) =>
  hostileSegment.filter((s) => {
    let decoded = s;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      // Stays encoded: the server cannot decode it either.
    }
    return !known.includes(decoded) && !known.includes(s);
  });
