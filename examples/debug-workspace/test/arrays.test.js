import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunk, sortBy, unique, groupBy } from '../src/arrays.js';

test('chunk splits into groups of the given size', () => {
  assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
});

test('sortBy sorts ascending by key without mutating the input', () => {
  const people = [{ n: 'c', age: 40 }, { n: 'a', age: 20 }, { n: 'b', age: 30 }];
  assert.deepEqual(sortBy(people, (p) => p.age).map((p) => p.n), ['a', 'b', 'c']);
  assert.equal(people[0].n, 'c');
});

test('unique keeps first-seen order', () => {
  assert.deepEqual(unique([3, 1, 3, 2, 1]), [3, 1, 2]);
});

test('groupBy collects items under their key', () => {
  assert.deepEqual(groupBy(['apple', 'avocado', 'banana'], (s) => s[0]), {
    a: ['apple', 'avocado'],
    b: ['banana'],
  });
});
