/**
 * The baseline every ratio is measured against: a bare node:http server with no framework and
 * no storage. `json` answers a small fixed JSON object; `parse-ok` reads the body, parses it as
 * JSON (like the real endpoint must) and answers {"status":"ok"} without storing anything.
 * Prints {"port":N} once listening.
 */
import { createServer } from 'node:http';
import { listenAndAnnounce } from './lib/listen.js';

const mode = process.argv[2] ?? 'json';
const fixed = JSON.stringify({ status: 'ok', result: [{ id: '1', name: 'A product' }] });

const server = createServer((req, res) => {
  if (mode === 'parse-ok') {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      try {
        const url = new URL(req.url ?? '/', 'http://x');
        const args = { ...Object.fromEntries(url.searchParams), ...(body ? JSON.parse(body) : {}) };
        if (typeof args !== 'object') throw new Error('bad');
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"status":"ok"}');
      } catch {
        res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' }).end('{"status":"error"}');
      }
    });
    return;
  }
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(fixed));
});
listenAndAnnounce(server);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
