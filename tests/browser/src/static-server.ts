// A tiny HTTP server on 127.0.0.1 for the pages: the HTML, the bundled scripts and
// tfjs-backend-wasm's .wasm binaries, nothing else.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A running server. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>/`. */
  origin: string;
  /** Every path served with 200, in order (e.g. `/wasm/tfjs-backend-wasm-simd.wasm`). */
  served: string[];
  close(): Promise<void>;
}

/** The page: one module script, `/<script>`. */
const page = (script: string) => `<!doctype html><meta charset="utf-8"><title>mmaux browser test</title><script type="module" src="/${script}"></script>\n`;

/** A script name the server hands out: `page.js`, `readme-fusion.js`, … */
const SCRIPT = /^[\w-]+\.js$/;

/**
 * Serves `/` (the page running `?script=` (default `page.js`); with `?isolated=1` also the
 * COOP/COEP headers that make it cross-origin isolated, so that SharedArrayBuffer and wasm threads
 * exist), `/<name>.js` from `publicDir` and `/wasm/<name>.wasm` from `<wasmPackageDir>/dist`, on
 * a random free port.
 */
export async function startStaticServer(publicDir: string, wasmPackageDir: string): Promise<StaticServer> {
  const served: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = async (type: string, body: () => Promise<Buffer | string>, headers: Record<string, string> = {}) => {
      try {
        const data = await body();
        res.writeHead(200, { 'content-type': type, 'cross-origin-resource-policy': 'same-origin', 'cache-control': 'no-store', ...headers });
        res.end(data);
        served.push(url.pathname);
      } catch (err) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end(`not found: ${url.pathname} (${(err as Error).message})`);
      }
    };
    const wasmFile = /^\/wasm\/([\w.-]+\.wasm)$/.exec(url.pathname)?.[1];
    const script = url.searchParams.get('script') ?? 'page.js';
    if (url.pathname === '/' && SCRIPT.test(script)) {
      const isolation = url.searchParams.get('isolated') === '1' ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : undefined;
      void send('text/html; charset=utf-8', async () => page(script), isolation);
    } else if (SCRIPT.test(url.pathname.slice(1))) {
      void send('text/javascript; charset=utf-8', () => readFile(join(publicDir, url.pathname.slice(1))));
    } else if (wasmFile !== undefined) {
      void send('application/wasm', () => readFile(join(wasmPackageDir, 'dist', wasmFile)));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${url.pathname}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}/`,
    served,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
