// A real webhook receiver on loopback for tests: it checks each delivery's signature with the helper
// the README gives receivers, records what arrived, and answers with a scripted status.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWindsockSignature, type WebhookVerification } from '../activities/webhook-signature';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: Record<string, unknown>;
  verification: WebhookVerification;
  /** What the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedDelivery[];
  close(): Promise<void>;
}

/**
 * `answer(n)` gives the status for the n-th request (0-based) when its signature is valid; an invalid
 * signature always gets 401. `answer` may return 'hang' to never answer (a receiver that times out).
 */
export async function startWebhookReceiver(secret: string, answer: (n: number) => number | 'hang' = () => 204): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const verification = verifyWindsockSignature(secret, raw, req.headers);
      const planned = answer(received.length);
      const status = !verification.ok ? 401 : planned === 'hang' ? 0 : planned;
      received.push({ headers: req.headers, rawBody: raw.toString('utf8'), body: JSON.parse(raw.toString('utf8')), verification, status });
      if (status === 0) return;
      res.writeHead(status, { 'content-type': 'text/plain', ...(status >= 300 && status < 400 ? { location: 'http://127.0.0.1:9/elsewhere' } : {}) });
      res.end(verification.ok ? `status ${status}` : verification.reason);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/windsock`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
