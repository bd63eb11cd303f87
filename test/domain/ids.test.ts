import { describe, expect, test } from '@jest/globals';
import { hashedId, pythonJson, sha256Hex, slug } from '../../src/domain/ids.js';

// Every expected string below was produced by python3 (3.11) `json.dumps(v, sort_keys=True)` or
// `hashlib.sha256(...).hexdigest()` and pasted here; none is computed by the code under test.

describe('pythonJson = json.dumps(sort_keys=True)', () => {
  test('keys sorted, ", " and ": " separators, null, non-ASCII escaped', () => {
    // python3 -c 'import json; print(json.dumps({"b": [1, "é"], "a": None}, sort_keys=True))'
    expect(pythonJson({ b: [1, 'é'], a: null })).toBe('{"a": null, "b": [1, "\\u00e9"]}');
  });

  test('nested objects are sorted at every level; control characters, DEL, quotes and astral characters', () => {
    // json.dumps({"z": {"y": True, "x": [False, 1.5, "\x7f\n\t\"\\"]}, "a": "😀"}, sort_keys=True)
    expect(pythonJson({ z: { y: true, x: [false, 1.5, '\u007f\n\t"\\'] }, a: '😀' })).toBe(
      '{"a": "\\ud83d\\ude00", "z": {"x": [false, 1.5, "\\u007f\\n\\t\\"\\\\"], "y": true}}'
    );
  });

  test('scalars and empty containers', () => {
    expect(pythonJson(null)).toBe('null');
    expect(pythonJson(true)).toBe('true');
    expect(pythonJson(0)).toBe('0');
    expect(pythonJson(-12)).toBe('-12');
    expect(pythonJson('')).toBe('""');
    expect(pythonJson([])).toBe('[]');
    expect(pythonJson({})).toBe('{}');
  });

  test('key order is code-point order (upper case before lower case, "a" before "a_b" before "ab")', () => {
    // json.dumps({"b":1,"B":2,"ab":3,"a_b":4,"a":5}, sort_keys=True)
    expect(pythonJson({ b: 1, B: 2, ab: 3, a_b: 4, a: 5 })).toBe('{"B": 2, "a": 5, "a_b": 4, "ab": 3, "b": 1}');
  });

  test('undefined object members are left out (they have no Python counterpart)', () => {
    expect(pythonJson({ a: undefined, b: 1 })).toBe('{"b": 1}');
  });

  test('non-ASCII keys are escaped too', () => {
    // json.dumps({"ü": "ok"}, sort_keys=True) == '{"\\u00fc": "ok"}'
    expect(pythonJson({ ü: 'ok' })).toBe('{"\\u00fc": "ok"}');
  });
});

describe('sha256Hex / hashedId', () => {
  test('sha256 of "abc" (FIPS 180-2 test vector)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('a string material is hashed as is: prefix, hyphen, first 16 hex', () => {
    // python3: hashlib.sha256(b"erslaescrp-p1|2026-03-01T12:00:00+00:00").hexdigest()[:16] == '94b17b9de61a6330'
    const id = hashedId('erslaescdigest', 'erslaescrp-p1|2026-03-01T12:00:00+00:00');
    expect(id).toBe('erslaescdigest-94b17b9de61a6330');
    expect(id).toHaveLength('erslaescdigest-'.length + 16);
  });

  test('an object material is serialised with pythonJson first', () => {
    // m = json.dumps({"generated_at": "2026-03-01T12:00:00+00:00", "rows": []}, sort_keys=True)
    // hashlib.sha256(m.encode()).hexdigest()[:16] == '95cd96d65260eae0'
    expect(hashedId('erslaesctrend', { rows: [], generated_at: '2026-03-01T12:00:00+00:00' })).toBe('erslaesctrend-95cd96d65260eae0');
  });

  test('a custom length takes that many hex characters', () => {
    expect(hashedId('rcd', 'abc', 12)).toBe('rcd-ba7816bf8f01');
  });
});

describe('slug', () => {
  test('lower-cases, maps runs of non-alphanumerics to one hyphen, trims hyphens', () => {
    expect(slug('Erslaescdigest-ABC_12 / x')).toBe('erslaescdigest-abc-12-x');
    expect(slug('--a..b--')).toBe('a-b');
    expect(slug('é')).toBe('');
  });
});
