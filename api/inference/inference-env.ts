// Hono variables of the inference app: request id and principal (admin routes), and when the request
// arrived, which the latency recording measures from.
import type { Principal } from '../../core/principals';

export interface InferenceEnv {
  Variables: {
    requestId: string;
    principal: Principal;
    receivedAt: number;
  };
}
