// Waiting on a workflow's state in tests: poll a read until it satisfies a condition, with a deadline,
// never a sleep. A read that throws (a query before the first workflow task) counts as not yet.

export async function waitUntil<T>(what: string, read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown };
  for (;;) {
    try {
      const value = await read();
      if (done(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() > deadline) {
      const seen = 'error' in last ? `last read failed: ${String(last.error)}` : `last value: ${JSON.stringify(last.value)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}; ${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
