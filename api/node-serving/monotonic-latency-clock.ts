// Request timing on Node: the monotonic clock, read once the handler has returned its response
// (setImmediate; a zero timer there takes over a millisecond, more than the request itself).
import type { LatencyClock } from '../serving/serving-ports';

export const monotonicLatencyClock: LatencyClock = {
  now: () => performance.now(),
  settle: () => new Promise((resolve) => setImmediate(resolve)),
};
