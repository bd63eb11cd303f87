import { describe, expect, test } from '@jest/globals';
import {
  MICROS_PER_MINUTE,
  addMinutes,
  floorToWindow,
  formatInstant,
  parseInstant,
  wholeMinutesBetween
} from '../../src/domain/time.js';
import { MINUTE, NOW } from './fixtures.js';

// Instants are µs since the epoch. 2026-03-01T12:00:00Z = 1 772 366 400 s (checked with python3).
const NOON = 1_772_366_400_000_000;

describe('parseInstant', () => {
  test('Z and +00:00 are the same instant, and equal the epoch arithmetic', () => {
    // Date.UTC gives ms; ×1000 → µs.
    expect(Date.UTC(2026, 2, 1, 12, 0, 0) * 1000).toBe(NOON);
    expect(parseInstant('2026-03-01T12:00:00Z')).toBe(NOON);
    expect(parseInstant('2026-03-01T12:00:00z')).toBe(NOON);
    expect(parseInstant('2026-03-01T12:00:00+00:00')).toBe(NOON);
    expect(parseInstant('2026-03-01T12:00:00-00:00')).toBe(NOON);
  });

  test('a positive offset is subtracted: 12:00+05:30 is 06:30Z', () => {
    // 12:00 − 5 h 30 min = 06:30 UTC = NOON − 330 min
    expect(parseInstant('2026-03-01T12:00:00+05:30')).toBe(NOON - 330 * MINUTE);
    expect(parseInstant('2026-03-01T12:00:00+0530')).toBe(NOON - 330 * MINUTE);
  });

  test('a negative offset is added: 10:00-02:00 is 12:00Z', () => {
    expect(parseInstant('2026-03-01T10:00:00-02:00')).toBe(NOON);
  });

  test('an offset can cross the date line: 2026-03-02T01:30+13:30 is 2026-03-01T12:00Z', () => {
    // 01:30 − 13:30 = −12:00 → previous day 12:00
    expect(parseInstant('2026-03-02T01:30:00+13:30')).toBe(NOON);
  });

  test('a naive timestamp is UTC (as the seed reads it)', () => {
    expect(parseInstant('2026-03-01T12:00:00')).toBe(NOON);
    expect(parseInstant('2026-03-01 12:00:00')).toBe(NOON);
  });

  test('fractions: microseconds kept, shorter fractions right-padded, longer ones truncated', () => {
    expect(parseInstant('2026-03-01T12:00:00.123456+00:00')).toBe(NOON + 123_456);
    expect(parseInstant('2026-03-01T12:00:00.000001Z')).toBe(NOON + 1);
    // .5 s = 500 000 µs
    expect(parseInstant('2026-03-01T12:00:00.5Z')).toBe(NOON + 500_000);
    // .123 s = 123 000 µs
    expect(parseInstant('2026-03-01T12:00:00.123Z')).toBe(NOON + 123_000);
    // nanoseconds: only the first six digits count
    expect(parseInstant('2026-03-01T12:00:00.123456789Z')).toBe(NOON + 123_456);
  });

  test('leading/trailing whitespace is tolerated', () => {
    expect(parseInstant('  2026-03-01T12:00:00Z\n')).toBe(NOON);
  });

  test.each([
    [''],
    ['not a date'],
    ['2026-03-01T12:00:00+00:00 trailing'],
    ['2026-13-01T00:00:00Z'],
    ['2026-00-10T00:00:00Z'],
    ['2026-03-00T00:00:00Z'],
    ['2026-03-32T00:00:00Z'],
    ['2026-03-01T24:00:00Z'],
    ['2026-03-01T12:60:00Z'],
    ['2026-03-01T12:00:60Z'],
    ['2026-02-30T00:00:00Z'],
    ['2026-02-29T00:00:00Z'],
    ['2026-04-31T00:00:00Z'],
    ['01/03/2026 12:00']
  ])('%p is not an instant', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  test('calendar boundaries on the valid side parse', () => {
    expect(parseInstant('2026-02-28T00:00:00Z')).toBe(Date.UTC(2026, 1, 28) * 1000);
    expect(parseInstant('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29) * 1000); // leap year
    expect(parseInstant('2026-04-30T23:59:59Z')).toBe(Date.UTC(2026, 3, 30, 23, 59, 59) * 1000);
  });

  test('years before 100 keep their year (Date.UTC maps 0–99 to 1900–1999)', () => {
    // python3: datetime.fromisoformat('0050-01-01T00:00:00+00:00') is year 50, not 1950.
    // Date.UTC(1950, 0, 1) = -631 152 000 000 ms; year 50 is 1900 years earlier.
    const parsed = parseInstant('0050-01-01T00:00:00Z');
    expect(parsed).not.toBe(Date.UTC(1950, 0, 1) * 1000);
    const year50 = new Date(0);
    year50.setUTCFullYear(50, 0, 1);
    expect(parsed).toBe(year50.getTime() * 1000);
  });

  test('non-strings are not instants', () => {
    expect(parseInstant(undefined)).toBeUndefined();
    expect(parseInstant(null)).toBeUndefined();
    expect(parseInstant(NOON)).toBeUndefined();
    expect(parseInstant({})).toBeUndefined();
  });
});

describe('formatInstant', () => {
  test('a zero fraction is dropped, as Python isoformat() does', () => {
    // python3: datetime(2026,3,1,12,tzinfo=timezone.utc).isoformat() == '2026-03-01T12:00:00+00:00'
    expect(formatInstant(NOON)).toBe('2026-03-01T12:00:00+00:00');
  });

  test('a non-zero fraction is written as six digits', () => {
    // python3: datetime(2026,3,1,12,0,0,1,tzinfo=timezone.utc).isoformat() == '2026-03-01T12:00:00.000001+00:00'
    expect(formatInstant(NOON + 1)).toBe('2026-03-01T12:00:00.000001+00:00');
    expect(formatInstant(NOON + 1_000)).toBe('2026-03-01T12:00:00.001000+00:00');
    expect(formatInstant(NOON + 123_456)).toBe('2026-03-01T12:00:00.123456+00:00');
    expect(formatInstant(NOON + 999_999)).toBe('2026-03-01T12:00:00.999999+00:00');
  });

  test('one microsecond before midnight of the new year', () => {
    expect(formatInstant(Date.UTC(2027, 0, 1) * 1000 - 1)).toBe('2026-12-31T23:59:59.999999+00:00');
  });

  test('round trip: parse(format(x)) = x, and format(parse(other offsets)) is the seed form', () => {
    for (const value of [NOON, NOON + 1, NOON + 654_321, NOON - 1]) expect(parseInstant(formatInstant(value))).toBe(value);
    expect(formatInstant(parseInstant('2026-03-01T17:30:00.250+05:30')!)).toBe('2026-03-01T12:00:00.250000+00:00');
  });
});

describe('addMinutes / wholeMinutesBetween', () => {
  test('addMinutes works in µs, fractional minutes included', () => {
    expect(MICROS_PER_MINUTE).toBe(60_000_000);
    expect(addMinutes(NOON, 15)).toBe(NOON + 15 * 60_000_000);
    // 22.5 min = 1 350 s
    expect(addMinutes(NOON, 22.5)).toBe(NOON + 1_350_000_000);
    expect(addMinutes(NOON, -1)).toBe(NOON - 60_000_000);
  });

  test('whole minutes are floored on both sides of a minute', () => {
    expect(wholeMinutesBetween(NOON, NOON + MINUTE - 1)).toBe(0);
    expect(wholeMinutesBetween(NOON, NOON + MINUTE)).toBe(1);
    expect(wholeMinutesBetween(NOON, NOON + 61 * MINUTE - 1)).toBe(60);
    // a later "earlier" gives a negative floor: −1 µs → −1 minute
    expect(wholeMinutesBetween(NOON, NOON - 1)).toBe(-1);
  });
});

describe('floorToWindow', () => {
  test('30-minute windows: the last µs of a window and the first of the next', () => {
    expect(floorToWindow(NOON, 30)).toBe(NOON);
    expect(floorToWindow(NOON + 30 * MINUTE - 1, 30)).toBe(NOON);
    expect(floorToWindow(NOON + 30 * MINUTE, 30)).toBe(NOON + 30 * MINUTE);
    expect(floorToWindow(NOON - 1, 30)).toBe(NOON - 30 * MINUTE);
  });

  test('60-minute windows', () => {
    expect(formatInstant(floorToWindow(NOW + 59 * MINUTE, 60))).toBe('2026-03-01T12:00:00+00:00');
    expect(formatInstant(floorToWindow(NOW + 60 * MINUTE, 60))).toBe('2026-03-01T13:00:00+00:00');
  });

  test('windows are multiples of the interval since the epoch, not since the hour', () => {
    // NOON = 29 539 440 min since the epoch; 29 539 440 mod 25 = 15, so the 25-minute window holding
    // 12:00 starts at 11:45 and the next one at 12:10.
    expect(29_539_440 % 25).toBe(15);
    expect(formatInstant(floorToWindow(NOON, 25))).toBe('2026-03-01T11:45:00+00:00');
    expect(formatInstant(floorToWindow(NOON + 10 * MINUTE - 1, 25))).toBe('2026-03-01T11:45:00+00:00');
    expect(formatInstant(floorToWindow(NOON + 10 * MINUTE, 25))).toBe('2026-03-01T12:10:00+00:00');
  });
});

describe('parseInstant offsets', () => {
  test('an offset of 24 hours or more, or 60 minutes or more, is not an instant', () => {
    expect(parseInstant('2026-03-01T12:00:00+24:00')).toBeUndefined();
    expect(parseInstant('2026-03-01T12:00:00+05:60')).toBeUndefined();
    expect(parseInstant('2026-03-01T12:00:00+23:59')).toBe(parseInstant('2026-02-28T12:01:00Z'));
  });
});
