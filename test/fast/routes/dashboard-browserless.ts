// The dashboard as a browser would drive it, without one: sign in through the form, keep the session
// cookie, read the CSRF token out of a page and post forms with it (and with the page's Origin).
import { expect } from 'vitest';
import type { RequestableApp } from './app-request';
import { principals } from '../../test-principals';

export const ORIGIN = 'http://localhost';

export interface PageAnswer {
  status: number;
  headers: Headers;
  html: string;
}

export async function page(app: RequestableApp, path: string, cookie?: string): Promise<PageAnswer> {
  const res = await app.request(`${ORIGIN}${path}`, { headers: cookie ? { cookie } : {} });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

/** A form post as the page would send it: urlencoded, with Origin; pass `origin: null` to leave it out. */
export async function post(app: RequestableApp, path: string, fields: Record<string, string>, options: { cookie?: string; origin?: string | null; headers?: Record<string, string> } = {}): Promise<PageAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...options.headers };
  if (options.origin !== null) headers.origin = options.origin ?? ORIGIN;
  if (options.cookie) headers.cookie = options.cookie;
  const res = await app.request(`${ORIGIN}${path}`, { method: 'POST', headers, body: new URLSearchParams(fields).toString() });
  return { status: res.status, headers: res.headers, html: await res.text() };
}

export const tokenOf = (name: string) => principals.find((p) => p.name === name)!.token;

/** The session cookie a successful sign-in set (`windsock_session=...`). */
export function sessionCookie(answer: PageAnswer): string {
  const set = answer.headers.get('set-cookie') ?? '';
  const match = /windsock_session=([^;]*)/.exec(set);
  expect(match, `no session cookie in ${set}`).not.toBeNull();
  return `windsock_session=${match![1]}`;
}

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  expect(match, 'no CSRF field on the page').not.toBeNull();
  return match![1]!;
}

/** Signs in with the principal's (or a given) token; the cookie and the CSRF token of its first page. */
export async function signIn(app: RequestableApp, nameOrToken: string): Promise<{ cookie: string; csrf: string }> {
  const token = principals.some((p) => p.name === nameOrToken) ? tokenOf(nameOrToken) : nameOrToken;
  const answer = await post(app, '/login', { token });
  expect(answer.status, answer.html).toBe(303);
  expect(answer.headers.get('location')).toBe('/');
  const cookie = sessionCookie(answer);
  const home = await page(app, '/', cookie);
  expect(home.status, home.html).toBe(200);
  return { cookie, csrf: csrfOf(home.html) };
}
