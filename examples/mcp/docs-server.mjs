#!/usr/bin/env node
/**
 * A small MCP server over stdio, built with the official SDK's McpServer: `search` and `read` over a
 * folder of text documents (by default the licence-search documents beside this example). Give
 * another folder as the first argument. Only the folder's own files can be read: a file is named as
 * `search` lists it, never by a path.
 *
 *   delm run examples/licence-search --mcp examples/mcp/docs-server.mjs
 *
 * Output has the shapes of delm's built-in `grep` and `read_file` ("file:line: text" lines; a header
 * line, then the lines verbatim), so what a model quotes from it can be checked against the files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { RE2JS } from 're2js';
import { z } from 'zod';

const ROOT = path.resolve(
  process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../licence-search/docs'),
);
const MAX_MATCHES = 100;
const MAX_LINES = 400;
const LINE_CHARS = 400;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** The folder's text files, by name (no subfolders, nothing outside it). */
function documents() {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isFile() && statSync(path.join(ROOT, e.name)).size <= MAX_FILE_BYTES)
    .map((e) => e.name)
    .sort();
}

function linesOf(file) {
  if (!documents().includes(file)) throw new Error(`no document is named ${JSON.stringify(file)}; search lists them`);
  return readFileSync(path.join(ROOT, file), 'utf8').split(/\r?\n/);
}

const text = (t) => ({ content: [{ type: 'text', text: t }] });

const server = new McpServer({ name: 'delm-docs', version: '1.0.0' });

server.registerTool(
  'search',
  {
    description: `Searches the documents for lines matching a regular expression (case-insensitive); prints "file:line: text" per match, at most ${MAX_MATCHES}. With no match in a file, prints nothing for it.`,
    inputSchema: {
      query: z.string().min(1).max(200).describe('regular expression (RE2 syntax), e.g. "patent (licen[cs]e|grant)"'),
      file: z.string().max(200).optional().describe('only this document (as listed); default all'),
    },
  },
  async ({ query, file }) => {
    // RE2 (linear time), as delm's grep: no pattern can stall the server.
    const re = RE2JS.compile(query, RE2JS.CASE_INSENSITIVE);
    const out = [];
    let more = 0;
    for (const name of file ? [file] : documents()) {
      const lines = linesOf(name);
      for (let i = 0; i < lines.length; i++) {
        if (!re.test(lines[i])) continue;
        if (out.length >= MAX_MATCHES) more++;
        else
          out.push(
            `${name}:${i + 1}: ${lines[i].length > LINE_CHARS ? `${lines[i].slice(0, LINE_CHARS)}…` : lines[i]}`,
          );
      }
    }
    if (more) out.push(`(and ${more} more matching lines)`);
    return text(out.join('\n') || `(no line matches ${query})`);
  },
);

server.registerTool(
  'read',
  {
    description: `Reads a document verbatim: the whole of it or lines startLine..endLine (1-based, inclusive), at most ${MAX_LINES} lines a call. A header line says which lines were returned.`,
    inputSchema: {
      file: z.string().min(1).max(200).describe('document name, as search lists it'),
      startLine: z.number().int().min(1).optional(),
      endLine: z.number().int().min(1).optional(),
    },
  },
  async ({ file, startLine, endLine }) => {
    const lines = linesOf(file);
    const first = Math.min(startLine ?? 1, lines.length);
    const last = Math.min(endLine ?? lines.length, lines.length, first + MAX_LINES - 1);
    if (last < first) throw new Error(`endLine ${endLine} is before startLine ${first}`);
    return text(`${file} lines ${first}-${last} of ${lines.length}\n${lines.slice(first - 1, last).join('\n')}`);
  },
);

await server.connect(new StdioServerTransport());
