// Temporal connection options from the standard variables, so the same build reaches the dev server,
// a self-hosted cluster or Temporal Cloud (TEMPORAL_API_KEY implies TLS).
import type { WindsockEnv } from './windsock-env';

export interface TemporalConnectionOptions {
  address: string;
  tls?: boolean;
  apiKey?: string;
}

export function temporalConnectionOptions(env: Pick<WindsockEnv, 'TEMPORAL_ADDRESS' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS'>): TemporalConnectionOptions {
  const apiKey = env.TEMPORAL_API_KEY;
  return {
    address: env.TEMPORAL_ADDRESS,
    ...(env.TEMPORAL_TLS || apiKey ? { tls: true } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}
