// Changes to what serving serves (publishing a version, setting traffic weights) are signed by the
// control plane with Ed25519, and serving refuses one it cannot verify, whoever's admin token came with
// it: the private key stays with the control plane (worker and control API), serving holds only the
// public key. Both sides build the signed text here; Web Crypto makes it run on Workers and Node.
import { canonicalJson } from '../core/canonical-json';

export const CHANGE_SIGNATURE_HEADER = 'x-windsock-change-signature';
export const CHANGE_AT_HEADER = 'x-windsock-change-at';
/** A signed change older or newer than this (clock skew included) is refused: a captured one cannot be replayed later. */
export const CHANGE_MAX_AGE_MS = 5 * 60_000;

const FORMAT = 'windsock-change-v1';
const ED25519 = { name: 'Ed25519' } as const;

/** The text a change's signature covers: what it does (method and path: model and version), when, and its body. */
export function changeText(method: string, path: string, at: number, body: unknown): string {
  return `${FORMAT}\n${method.toUpperCase()} ${path}\n${at}\n${canonicalJson(body)}`;
}

const fromBase64 = (text: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const toBase64Url = (bytes: ArrayBuffer): string => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Imports a key once, on first use; a key that does not import fails every use with the reason. */
type Key = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

function lazyKey(load: () => Promise<Key>): () => Promise<Key> {
  let key: Promise<Key> | undefined;
  return () => (key ??= load());
}

export type ChangeSigner = (method: string, path: string, body: unknown) => Promise<Record<string, string>>;

/** A signer from the private key as base64 PKCS#8 (WINDSOCK_CHANGE_SIGNING_KEY): the headers a change carries. */
export function changeSigner(privateKeyPkcs8Base64: string, now: () => number = Date.now): ChangeSigner {
  const key = lazyKey(() => crypto.subtle.importKey('pkcs8', fromBase64(privateKeyPkcs8Base64), ED25519, false, ['sign']));
  return async (method, path, body) => {
    const at = now();
    const signature = await crypto.subtle.sign(ED25519, await key(), new TextEncoder().encode(changeText(method, path, at, body)));
    return { [CHANGE_SIGNATURE_HEADER]: toBase64Url(signature), [CHANGE_AT_HEADER]: String(at) };
  };
}

/** Why a change is refused, or undefined when its signature holds; the public key is base64 raw (WINDSOCK_CHANGE_PUBLIC_KEY). */
export type ChangeVerifier = (method: string, path: string, headers: { signature?: string; at?: string }, body: unknown) => Promise<string | undefined>;

export function changeVerifier(publicKeyRawBase64: string, now: () => number = Date.now): ChangeVerifier {
  const key = lazyKey(() => crypto.subtle.importKey('raw', fromBase64(publicKeyRawBase64), ED25519, false, ['verify']));
  return async (method, path, headers, body) => {
    if (!headers.signature || !headers.at) return `the change is not signed: serving takes publishes and traffic changes signed by the control plane (${CHANGE_SIGNATURE_HEADER})`;
    const at = Number(headers.at);
    if (!Number.isSafeInteger(at) || Math.abs(now() - at) > CHANGE_MAX_AGE_MS) return `the change's signature is not current (${CHANGE_AT_HEADER} must be within ${CHANGE_MAX_AGE_MS / 60_000} minutes of now)`;
    let signature: Uint8Array<ArrayBuffer>;
    try {
      signature = fromBase64(headers.signature);
    } catch {
      return 'the change signature is not base64';
    }
    const valid = await crypto.subtle.verify(ED25519, await key(), signature, new TextEncoder().encode(changeText(method, path, at, body)));
    return valid ? undefined : 'the change signature does not verify with this serving side\'s public key';
  };
}

/** A new key pair: the private key as base64 PKCS#8, the public key as base64 raw (what the two variables take). */
export async function generateChangeKeys(): Promise<{ privateKey: string; publicKey: string }> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ['sign', 'verify'])) as { privateKey: Key; publicKey: Key };
  const b64 = (bytes: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  return { privateKey: b64(await crypto.subtle.exportKey('pkcs8', pair.privateKey) as ArrayBuffer), publicKey: b64(await crypto.subtle.exportKey('raw', pair.publicKey) as ArrayBuffer) };
}
