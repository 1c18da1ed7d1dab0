import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sum, formatCents, applyDiscount, allocate } from '../src/money.js';

test('sum adds cents exactly', () => {
  assert.equal(sum([10, 20, 30]), 60);
  assert.equal(sum([]), 0);
});

test('formatCents shows two decimals and thousands separators', () => {
  assert.equal(formatCents(123456), '$1,234.56');
  assert.equal(formatCents(-5, '€'), '-€0.05');
});

test('applyDiscount takes the percentage off', () => {
  assert.equal(applyDiscount(1000, 10), 900);
  assert.equal(applyDiscount(999, 50), 499);
});

test('allocate splits without losing a cent', () => {
  assert.deepEqual(allocate(100, 3), [34, 33, 33]);
  assert.equal(sum(allocate(1001, 7)), 1001);
});
