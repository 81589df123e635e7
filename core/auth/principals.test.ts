import { describe, expect, it } from 'vitest';
import { hasRole, parsePrincipals, formatPrincipals } from './principals';

describe('parsePrincipals', () => {
  it('parses names, roles and tokens and round-trips', () => {
    const spec = 'alice:submitter:aaaaaaaaaaaaaaaa,bob:approver+viewer:bbbbbbbbbbbbbbbb';
    const parsed = parsePrincipals(spec);
    expect(parsed).toEqual([
      { name: 'alice', roles: ['submitter'], token: 'aaaaaaaaaaaaaaaa' },
      { name: 'bob', roles: ['approver', 'viewer'], token: 'bbbbbbbbbbbbbbbb' },
    ]);
    expect(formatPrincipals(parsed)).toBe(spec);
  });

  it.each([
    ['alice:submitter', /must be name:role/],
    ['alice:owner:aaaaaaaaaaaaaaaa', /unknown role 'owner'/],
    ['alice:admin:short', /at least 16/],
    ['a:admin:aaaaaaaaaaaaaaaa,a:viewer:bbbbbbbbbbbbbbbb', /twice/],
  ])('rejects %s', (spec, message) => {
    expect(() => parsePrincipals(spec)).toThrow(message);
  });
});

describe('hasRole', () => {
  it('gives admin every role and everyone viewer', () => {
    expect(hasRole({ roles: ['admin'] }, 'approver')).toBe(true);
    expect(hasRole({ roles: ['submitter'] }, 'approver')).toBe(false);
    expect(hasRole({ roles: ['submitter'] }, 'viewer')).toBe(true);
  });
});
