// API tokens issued through the control API (beside WINDSOCK_TOKENS' bootstrap principals): their
// format, names, lifetime and state. Pure: the caller brings the randomness and the SHA-256.
import { z } from 'zod';
import type { Sha256Hex } from '../audit/audit-chain';
import { parseDurationSeconds } from '../pipeline/duration';
import { roles, type Role } from './principals';

/** Makes an issued token recognisable (secret scanners, logs, a person reading a config). */
export const API_TOKEN_PREFIX = 'wst_';
/** Random bytes in a token: 256 bits, so a plain SHA-256 of it is enough to store. */
export const API_TOKEN_BYTES = 32;
const apiTokenPattern = /^wst_[A-Za-z0-9_-]{43}$/;

export const API_TOKEN_MAX_LIFETIME_SECONDS = 365 * 86400;
export const API_TOKEN_DEFAULT_LIFETIME_SECONDS = 90 * 86400;

export const API_TOKEN_NAME_RULE = 'lowercase letters, digits, ".", "_" or "-", at most 64, starting with a letter or digit';
export const apiTokenName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, API_TOKEN_NAME_RULE);

/** An issued token's id (not secret): `tok_` and 16 hex digits. */
export const apiTokenId = z.string().regex(/^tok_[0-9a-f]{16}$/, 'a token id like tok_0123456789abcdef');

export const apiTokenRoles = z
  .array(z.enum(roles, { error: `one of ${roles.join(', ')}` }))
  .min(1, 'at least one role')
  .max(roles.length)
  .refine((list) => new Set(list).size === list.length, 'names a role twice');

/** A lifetime as seconds or a duration like "30m", "12h", "90d", at most a year. */
export const apiTokenLifetime = z.union([z.number(), z.string().max(32)]).transform((value, ctx) => {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: 'a positive number of seconds or a duration like "30m", "12h", "90d"' });
    return z.NEVER;
  }
  if (seconds > API_TOKEN_MAX_LIFETIME_SECONDS) {
    ctx.addIssue({ code: 'custom', message: `at most ${API_TOKEN_MAX_LIFETIME_SECONDS / 86400} days` });
    return z.NEVER;
  }
  return seconds;
});

/** The token from its random part (base64url of API_TOKEN_BYTES bytes). */
export function formatApiToken(randomBase64url: string): string {
  const token = API_TOKEN_PREFIX + randomBase64url;
  if (!apiTokenPattern.test(token)) throw new Error(`an API token needs ${API_TOKEN_BYTES} random bytes as base64url`);
  return token;
}

/** Whether a presented bearer token could be an issued one (others are not looked up). */
export function isApiTokenFormat(text: string): boolean {
  return apiTokenPattern.test(text);
}

/** What the registry keeps instead of the token. */
export function apiTokenDigest(sha256Hex: Sha256Hex, token: string): string {
  return sha256Hex(token);
}

export type ApiTokenState = 'active' | 'expired' | 'revoked';

export function apiTokenState(token: { expiresAt: Date; revokedAt: Date | null }, now: Date): ApiTokenState {
  if (token.revokedAt !== null) return 'revoked';
  return token.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
}

export interface ApiTokenGrant {
  name: string;
  roles: Role[];
}
