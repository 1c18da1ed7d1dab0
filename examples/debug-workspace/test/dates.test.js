import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLeapYear, toIsoDate, addDays, daysBetween } from '../src/dates.js';

test('isLeapYear follows the Gregorian century rule', () => {
  assert.equal(isLeapYear(2024), true);
  assert.equal(isLeapYear(2023), false);
  assert.equal(isLeapYear(1900), false);
  assert.equal(isLeapYear(2000), true);
});

test('toIsoDate prints YYYY-MM-DD in UTC', () => {
  assert.equal(toIsoDate(new Date(Date.UTC(2024, 0, 5, 23, 59))), '2024-01-05');
});

test('addDays crosses month and year ends', () => {
  assert.equal(toIsoDate(addDays(new Date(Date.UTC(2023, 11, 30)), 3)), '2024-01-02');
  assert.equal(toIsoDate(addDays(new Date(Date.UTC(2024, 2, 1)), -1)), '2024-02-29');
});

test('daysBetween counts whole days in either direction', () => {
  const a = new Date(Date.UTC(2024, 0, 1));
  const b = new Date(Date.UTC(2024, 2, 1));
  assert.equal(daysBetween(a, b), 60);
  assert.equal(daysBetween(b, a), -60);
});
