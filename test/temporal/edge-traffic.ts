// Clients calling a model at the (in-process) edge with random routing keys until stopped, so that a
// canary has requests to judge.
import fixture from '../fixtures/breast-cancer-serving.json';

export function sendTraffic(fetch: (url: string, init: RequestInit) => Promise<Response>, model = 'breast-cancer'): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  const loop = (async () => {
    while (running) {
      const row = fixture.holdoutRows[sent % fixture.holdoutRows.length]!;
      await fetch(`http://edge.test/v2/models/${model}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-windsock-routing-key': `client-${Math.random()}` },
        body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: row }] }),
      });
      sent++;
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return { stop: async () => ((running = false), await loop, sent) };
}
