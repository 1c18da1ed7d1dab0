import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery, stringifyQuery, isTruthyFlag } from '../src/query.js';

test('parseQuery decodes pairs and collects repeated keys', () => {
  assert.deepEqual(parseQuery('?a=1&b=two+words&a=3&flag'), { a: ['1', '3'], b: 'two words', flag: '' });
});

test('stringifyQuery encodes values and repeats array keys', () => {
  assert.equal(stringifyQuery({ q: 'a b', tag: ['x', 'y'] }), 'q=a%20b&tag=x&tag=y');
});

test('parseQuery and stringifyQuery round-trip', () => {
  const params = { name: 'Zoë & co', n: '42' };
  assert.deepEqual(parseQuery(stringifyQuery(params)), params);
});

test('isTruthyFlag reads on/off style flags', () => {
  assert.equal(isTruthyFlag('1'), true);
  assert.equal(isTruthyFlag('yes'), true);
  assert.equal(isTruthyFlag(' Off '), false);
  assert.equal(isTruthyFlag(''), false);
});
