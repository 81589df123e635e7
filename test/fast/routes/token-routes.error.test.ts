// /v1/tokens refuses each bad body, id and name with a 4xx naming the problem; nothing is written
// (no token row, no audit event).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('tokens-errors');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const NAME_RULE = 'lowercase letters, digits, "\\.", "_" or "-", at most 64, starting with a letter or digit';
const DURATION_RULE = 'a positive number of seconds or a duration like "30m", "12h", "90d"';
const valid = { name: 'ci-bot', roles: ['submitter'] };

describe('POST /v1/tokens', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no name', { roles: ['viewer'] }, /^body\.name: .*expected string, received undefined/],
    ['an empty name', { ...valid, name: '' }, new RegExp(`^body\\.name: ${NAME_RULE}$`)],
    ['a name in capitals', { ...valid, name: 'CI-Bot' }, new RegExp(`^body\\.name: ${NAME_RULE}$`)],
    ['a name with a space', { ...valid, name: 'ci bot' }, new RegExp(`^body\\.name: ${NAME_RULE}$`)],
    ['a name starting with a dash', { ...valid, name: '-ci' }, new RegExp(`^body\\.name: ${NAME_RULE}$`)],
    ['a name of 65 characters', { ...valid, name: 'a'.repeat(65) }, new RegExp(`^body\\.name: ${NAME_RULE}$`)],
    ['a name that is not a string', { ...valid, name: 7 }, /^body\.name: .*expected string, received number/],
    ['no roles', { name: 'ci-bot' }, /^body\.roles: .*expected array, received undefined/],
    ['no role in the list', { ...valid, roles: [] }, /^body\.roles: at least one role$/],
    ['a role as a string', { ...valid, roles: 'admin' }, /^body\.roles: .*expected array, received string/],
    ['an unknown role', { ...valid, roles: ['viewer', 'owner'] }, /^body\.roles\.1: one of viewer, submitter, approver, maintainer, admin$/],
    ['a role twice', { ...valid, roles: ['viewer', 'viewer'] }, /^body\.roles: names a role twice$/],
    ['a lifetime of more than a year', { ...valid, expiresIn: '366d' }, /^body\.expiresIn: at most 365 days$/],
    ['a lifetime of more than a year in seconds', { ...valid, expiresIn: 365 * 86400 + 1 }, /^body\.expiresIn: at most 365 days$/],
    ['a lifetime of zero', { ...valid, expiresIn: 0 }, new RegExp(`^body\\.expiresIn: ${DURATION_RULE}$`)],
    ['a negative lifetime', { ...valid, expiresIn: -60 }, new RegExp(`^body\\.expiresIn: ${DURATION_RULE}$`)],
    ['a lifetime in years', { ...valid, expiresIn: '1y' }, new RegExp(`^body\\.expiresIn: ${DURATION_RULE}$`)],
    ['a lifetime in words', { ...valid, expiresIn: 'soon' }, new RegExp(`^body\\.expiresIn: ${DURATION_RULE}$`)],
    ['a lifetime of 33 characters', { ...valid, expiresIn: '1'.repeat(32) + 'd' }, /^body\.expiresIn: .*(<=32|at most 32)/],
    ['a lifetime that is not a duration', { ...valid, expiresIn: true }, /^body\.expiresIn: /],
    ['a key it does not know', { ...valid, scopes: ['models'] }, /^body: .*"scopes"/],
  ])('%s is a 400 naming the field', async (_what, body, message) => {
    expectRefusal(await f.request('POST', '/v1/tokens', { as: 'root', body }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('a body that is not a JSON object is a 400, and one not sent as JSON a 415', async () => {
    expectRefusal(await f.request('POST', '/v1/tokens', { as: 'root', body: [valid] }), 400, 'bad_request', /^body: .*expected object, received array/);
    expectRefusal(await f.request('POST', '/v1/tokens', { as: 'root', raw: '{"name":' }), 400, 'bad_request', /^Malformed JSON in request body$/);
    expectRefusal(await f.request('POST', '/v1/tokens', { as: 'root', raw: JSON.stringify(valid), headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type', /^send the body as JSON/);
    await f.expectNothingDone();
  });

  it.each(['alice', 'root'])("the name of a WINDSOCK_TOKENS principal (%s) is a 409", async (name) => {
    expectRefusal(await f.request('POST', '/v1/tokens', { as: 'root', body: { name, roles: ['viewer'] } }), 409, 'conflict', new RegExp(`^'${name}' is a principal of WINDSOCK_TOKENS: name the API token something else$`));
    await f.expectNothingDone();
  });

  it("the name of an active token is a 409 naming it; the first token keeps working", async () => {
    const first = await f.request('POST', '/v1/tokens', { as: 'root', body: { name: 'taken', roles: ['viewer'] } });
    expect(first.status).toBe(201);
    await f.settle();
    const res = await f.request('POST', '/v1/tokens', { as: 'root', body: { name: 'taken', roles: ['admin'] } });
    expectRefusal(res, 409, 'conflict', new RegExp(`^an active token is already named 'taken' \\(${first.body.id}\\): revoke it first or choose another name$`));
    await f.expectNothingDone();
    await f.apiTokens.revoke(first.body.id, 'root');
  });
});

describe('DELETE /v1/tokens/:id', () => {
  it.each(['abc', 'tok_', 'tok_0123456789ABCDEF', 'tok_0123456789abcdef0', 'wst_0123456789abcdef'])('a malformed id (%s) is a 400 naming it', async (id) => {
    expectRefusal(await f.request('DELETE', `/v1/tokens/${id}`, { as: 'root' }), 400, 'bad_request', /^param\.id: a token id like tok_0123456789abcdef$/);
    await f.expectNothingDone();
  });

  it('an id no token has is a 404 naming it', async () => {
    expectRefusal(await f.request('DELETE', '/v1/tokens/tok_0000000000000000', { as: 'root' }), 404, 'not_found', /^no API token has id 'tok_0000000000000000'$/);
    await f.expectNothingDone();
  });
});

describe('unknown routes under /v1/tokens', () => {
  it.each<[string, string]>([
    ['GET', '/v1/tokens/tok_0000000000000000'],
    ['PUT', '/v1/tokens'],
    ['PATCH', '/v1/tokens/tok_0000000000000000'],
    ['DELETE', '/v1/tokens'],
    ['POST', '/v1/tokens/tok_0000000000000000'],
  ])('%s %s is a 404 naming it', async (method, url) => {
    expectRefusal(await f.request(method, url, { as: 'root', body: method === 'GET' || method === 'DELETE' ? undefined : valid }), 404, 'not_found', new RegExp(`^no route for ${method} ${url}$`));
    await f.expectNothingDone();
  });
});
