import { expect, it } from 'vitest';
import { parseDurationSeconds } from './duration';

it('parses seconds and unit strings, refusing the rest', () => {
  expect(parseDurationSeconds(30)).toBe(30);
  expect(parseDurationSeconds('90s')).toBe(90);
  expect(parseDurationSeconds('15m')).toBe(900);
  expect(parseDurationSeconds('2h')).toBe(7200);
  expect(parseDurationSeconds('7d')).toBe(604800);
  expect(parseDurationSeconds('0s')).toBeUndefined();
  expect(parseDurationSeconds(-1)).toBeUndefined();
  expect(parseDurationSeconds('soon')).toBeUndefined();
});
