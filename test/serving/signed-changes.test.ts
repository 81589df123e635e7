// Serving takes a publish or a traffic change only when the control plane signed it: the admin token
// alone, a signature by another key, an old signature or a body changed after signing is a 403, and
// changes nothing. The control plane's edge client signs, and its changes go through.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeClient } from '../../activities/edge-client';
import { modelSignatureSchema } from '../../core/serving/model-signature';
import { CHANGE_AT_HEADER, CHANGE_SIGNATURE_HEADER, changeSigner, generateChangeKeys } from '../../contracts/serving-change-signature';
import fixture from '../fixtures/breast-cancer-serving.json';
import { readFileSync } from 'node:fs';
import { servingAdminToken, startNodeServingApp } from './node-serving-app';

const artifact = new Uint8Array(readFileSync(new URL('../fixtures/breast-cancer-mlp.onnx', import.meta.url)));
const sha256 = createHash('sha256').update(artifact).digest('hex');
const publishBody = { artifactSha256: sha256, signature: fixture.signature, referenceProfile: fixture.referenceProfile };

describe('signed changes to serving', () => {
  let serving: Awaited<ReturnType<typeof startNodeServingApp>>;
  let keys: { privateKey: string; publicKey: string };
  let stranger: { privateKey: string; publicKey: string };
  const put = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    serving.fetch(path, { method: 'PUT', headers: { authorization: `Bearer ${servingAdminToken}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const refusal = async (res: Response) => ({ status: res.status, message: ((await res.json()) as { error: { message: string } }).error.message });

  beforeAll(async () => {
    [keys, stranger] = await Promise.all([generateChangeKeys(), generateChangeKeys()]);
    serving = await startNodeServingApp({ changePublicKey: keys.publicKey });
    const upload = await serving.fetch('/admin/models/signed/versions/1/artifact', {
      method: 'PUT',
      headers: { authorization: `Bearer ${servingAdminToken}`, 'content-type': 'application/octet-stream', 'x-windsock-sha256': sha256 },
      body: artifact,
    });
    expect(upload.status).toBe(201);
  });
  afterAll(() => serving?.close());

  it('refuses a publish on the admin token alone, by another key, signed long ago, or changed after signing', async () => {
    const path = '/admin/models/signed/versions/1';
    expect(await refusal(await put(path, publishBody))).toEqual({ status: 403, message: expect.stringMatching(/^the change is not signed/) });
    expect(await refusal(await put(path, publishBody, await changeSigner(stranger.privateKey)('PUT', path, publishBody)))).toEqual({ status: 403, message: expect.stringMatching(/does not verify/) });
    const signed = await changeSigner(keys.privateKey)('PUT', path, publishBody);
    expect(await refusal(await put(path, publishBody, { ...signed, [CHANGE_AT_HEADER]: String(Number(signed[CHANGE_AT_HEADER]) - 10 * 60_000) }))).toEqual({ status: 403, message: expect.stringMatching(/not current/) });
    const tampered = { ...publishBody, signature: { ...fixture.signature, inputs: [] } };
    expect(await refusal(await put(path, tampered, signed))).toEqual({ status: 403, message: expect.stringMatching(/does not verify/) });
    expect(await refusal(await put('/admin/models/signed/versions/2', publishBody, signed))).toEqual({ status: 403, message: expect.stringMatching(/does not verify/) });
    expect((await serving.fetch('/admin/models/signed', { headers: { authorization: `Bearer ${servingAdminToken}` } })).status).toBe(404);
  });

  it("takes the control plane's signed publish and traffic change, and refuses an unsigned traffic change", async () => {
    const edge = new EdgeClient({ baseUrl: 'http://edge.test', token: servingAdminToken, fetch: serving.fetch, signingKey: keys.privateKey });
    expect(await edge.publish({ model: 'signed', version: 1, artifact, sha256, signature: modelSignatureSchema.parse(fixture.signature), referenceProfile: fixture.referenceProfile })).toEqual({ published: 'created' });
    expect(await edge.setTraffic('signed', { '1': 100 })).toMatchObject({ weights: { '1': 100 } });
    const unsigned = await put('/admin/models/signed/traffic', { weights: { '1': 0 } });
    expect(await refusal(unsigned)).toEqual({ status: 403, message: expect.stringMatching(/^the change is not signed/) });
    expect(unsigned.headers.get(CHANGE_SIGNATURE_HEADER)).toBeNull();
    expect((await edge.getTraffic('signed'))!.weights).toEqual({ '1': 100 });
  });
});
