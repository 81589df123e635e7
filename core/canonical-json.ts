// One JSON text per value, whatever the key order it was built with: what hashes and signatures are
// taken over (the audit chain, signed changes to serving).

/**
 * JSON with object keys sorted at every depth, after JSON's own conversions (a Date becomes its ISO
 * string, an undefined property disappears, a non-finite number becomes null), so that details hash
 * the same before they are stored and after they are read back from the JSON column.
 */
export function canonicalJson(value: unknown): string {
  const plain: unknown = value === undefined ? null : JSON.parse(JSON.stringify(value));
  return JSON.stringify(sortKeys(plain));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((key) => [key, sortKeys(record[key])]));
  }
  return value;
}
