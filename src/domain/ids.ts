import { createHash } from 'node:crypto';
import { compareText } from './records.js';

// Ids are `<prefix>-<first 16 hex of sha256(material)>`, the material serialised as the seed
// serialises it (Python `json.dumps(..., sort_keys=True)`), so equal inputs give the seed's ids.

/** Python-compatible `json.dumps(value, sort_keys=True)`: `", "` and `": "` separators, ASCII only. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string') return asciiString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareText(a, b));
    return `{${entries.map(([k, v]) => `${asciiString(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return 'null';
}

function asciiString(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function hashedId(prefix: string, material: unknown, length = 16): string {
  const text = typeof material === 'string' ? material : pythonJson(material);
  return `${prefix}-${sha256Hex(text).slice(0, length)}`;
}

/** The seed's slug for connector-delivery ids: lower-case, non-alphanumerics to `-`, trimmed. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** A copy with object keys sorted at every depth, as the seed stores payloads and evidence files. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}
