/**
 * Canonical JSON: the one serialization whose bytes (and so whose hash) depend only on the value.
 *
 * Object keys are sorted (UTF-16 code-unit order, as `Array.prototype.sort` does), there is no
 * whitespace, and properties whose value is `undefined` are left out (as `JSON.stringify` does).
 * Values JSON cannot represent faithfully (NaN, ±Infinity, bigint, functions, symbols) are rejected
 * rather than silently changed, because two different values must never share a cache key.
 */

/** Serializes a JSON-compatible value canonically (sorted keys, no whitespace). */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TypeError(
          `canonicalJson: ${path} is ${value}, which JSON cannot represent. Expected a finite number; ` +
            'convert it to a string or null first.',
        );
      }
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => (v === undefined ? 'null' : write(v, `${path}[${i}]`))).join(',')}]`;
      }
      const toJSON = (value as { toJSON?: () => unknown }).toJSON;
      if (typeof toJSON === 'function') return write(toJSON.call(value), path);
      const obj = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(obj).sort()) {
        const v = obj[k];
        if (v === undefined) continue;
        parts.push(`${JSON.stringify(k)}:${write(v, `${path}.${k}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(
        `canonicalJson: ${path} is a ${typeof value}, which JSON cannot represent. ` +
          'Expected a string, number, boolean, null, array or plain object.',
      );
  }
}
