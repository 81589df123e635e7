import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apiTokenDigest, apiTokenLifetime, apiTokenName, apiTokenRoles, apiTokenState, formatApiToken, isApiTokenFormat, API_TOKEN_BYTES } from './api-token';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

describe('API token format', () => {
  it('is wst_ and 32 random bytes as base64url, and nothing else passes for one', () => {
    const token = formatApiToken(randomBytes(API_TOKEN_BYTES).toString('base64url'));
    expect(token).toMatch(/^wst_[A-Za-z0-9_-]{43}$/);
    expect(isApiTokenFormat(token)).toBe(true);
    for (const other of [token.slice(4), `${token}A`, token.slice(0, -1), `wst_${'+'.repeat(43)}`, 'alice-token-0123456789']) expect(isApiTokenFormat(other)).toBe(false);
    expect(() => formatApiToken(randomBytes(16).toString('base64url'))).toThrow(/32 random bytes/);
  });

  it('is stored as its SHA-256', () => {
    expect(apiTokenDigest(sha256Hex, 'wst_x')).toBe(sha256Hex('wst_x'));
  });
});

describe('API token requests', () => {
  it('names: lowercase, digits, . _ -, at most 64', () => {
    for (const ok of ['ci', 'ci-bot_2.prod', 'a'.repeat(64)]) expect(apiTokenName.safeParse(ok).success).toBe(true);
    for (const bad of ['', 'CI', '-ci', 'ci bot', 'a'.repeat(65), 'ci:bot']) expect(apiTokenName.safeParse(bad).success).toBe(false);
  });

  it('roles: known ones, at least one, none twice', () => {
    expect(apiTokenRoles.parse(['viewer', 'admin'])).toEqual(['viewer', 'admin']);
    for (const bad of [[], ['owner'], ['viewer', 'viewer']]) expect(apiTokenRoles.safeParse(bad).success).toBe(false);
  });

  it('lifetimes: seconds or a duration, positive, at most a year', () => {
    expect(apiTokenLifetime.parse('90d')).toBe(90 * 86400);
    expect(apiTokenLifetime.parse(3600)).toBe(3600);
    expect(apiTokenLifetime.parse('365d')).toBe(365 * 86400);
    for (const bad of ['366d', 0, -1, '1y', 'soon', Number.POSITIVE_INFINITY]) expect(apiTokenLifetime.safeParse(bad).success).toBe(false);
  });
});

describe('apiTokenState', () => {
  const now = new Date('2026-01-31T12:00:00Z');
  it('is revoked once revoked, expired at its expiry, active before', () => {
    expect(apiTokenState({ expiresAt: new Date(now.getTime() + 1), revokedAt: null }, now)).toBe('active');
    expect(apiTokenState({ expiresAt: now, revokedAt: null }, now)).toBe('expired');
    expect(apiTokenState({ expiresAt: new Date(now.getTime() - 1), revokedAt: now }, now)).toBe('revoked');
  });
});
