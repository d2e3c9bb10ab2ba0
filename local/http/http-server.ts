import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
) => void | Promise<void>;

export interface RunningServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` (what `@alicloud/ecs20140526` wants as its endpoint) */
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Largest request body an emulator reads by default; more is answered 413 (the real services cap bodies too). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface HttpServerOptions {
  /** Bodies larger than this are answered 413 unread (default 4 MiB). */
  maxBodyBytes?: number;
}

/**
 * Starts an HTTP server on 127.0.0.1 (port 0 = any free port) that reads each request body fully before calling
 * the handler. An exception in the handler becomes a 500, never a crash.
 */
export async function startHttpServer(
  handler: RequestHandler,
  port = 0,
  options: HttpServerOptions = {},
): Promise<RunningServer> {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const server: Server = createServer((req, res) => {
    readBody(req, maxBodyBytes)
      .then((body) => handler(req, res, body))
      .catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const tooLarge = error instanceof BodyTooLargeError;
        res.writeHead(tooLarge ? 413 : 500, { 'content-type': 'text/plain' });
        res.end(tooLarge ? 'request body too large' : `emulator error: ${String(error)}`);
      });
  });
  // Keep-alive sockets would hold close() open; the SDKs' agents keep connections alive.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    host: `127.0.0.1:${address.port}`,
    port: address.port,
    // Idempotent: a test may take a service down mid-run and the stack closes everything again at the end.
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new BodyTooLargeError());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
