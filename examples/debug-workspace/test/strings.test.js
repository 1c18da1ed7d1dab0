import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capitalize, truncate, slugify, wordCount } from '../src/strings.js';

test('capitalize upper-cases only the first letter', () => {
  assert.equal(capitalize('hello world'), 'Hello world');
  assert.equal(capitalize(''), '');
});

test('truncate keeps a string of exactly max characters', () => {
  assert.equal(truncate('hello', 10), 'hello');
  assert.equal(truncate('hello', 5), 'hello');
  assert.equal(truncate('hello world', 5), 'hell…');
});

test('slugify makes URL-safe slugs', () => {
  assert.equal(slugify('  Héllo, World! 2024 '), 'hello-world-2024');
});

test('wordCount counts words and treats blank text as zero', () => {
  assert.equal(wordCount('one  two\tthree'), 3);
  assert.equal(wordCount('   '), 0);
});
