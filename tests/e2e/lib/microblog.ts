/**
 * The user journeys the end-to-end suite runs against a deployed Microblog, over HTTP with a
 * cookie-keeping client (routes and form fields are the app's own, see app/src/routes).
 */
import assert from "node:assert/strict";
import { Browser, waitFor } from "./http-client.js";

/** Registers `username` and logs in; returns the logged-in client. */
export async function registerAndLogin(baseUrl: string, username: string): Promise<Browser> {
  const b = new Browser(baseUrl);
  const password = `pw-${username}-Aa1!long`;
  const reg = await b.submit("/auth/register", "/auth/register", {
    username,
    email: `${username}@example.test`,
    password,
    password2: password,
  });
  assert.equal(reg.status, 302, `register ${username}: ${reg.status} ${reg.body.slice(0, 300)}`);
  const login = await b.submit("/auth/login", "/auth/login", {
    username,
    password,
    remember_me: "on",
  });
  assert.equal(login.status, 302, `login ${username}: ${login.status} ${login.body.slice(0, 300)}`);
  const home = await b.get("/");
  assert.equal(home.status, 200, "the home page answers once logged in");
  return b;
}

/** Posts `text` from the home page form. */
export async function post(b: Browser, text: string): Promise<void> {
  const res = await b.submit("/", "/", { post: text });
  assert.equal(res.status, 302, `post: ${res.status} ${res.body.slice(0, 300)}`);
}

/** Waits until a search for `word` lists `text` (indexing is near-real-time). */
export async function searchFinds(b: Browser, word: string, text: string): Promise<boolean> {
  return waitFor(async () => {
    const page = await b.get(`/search?q=${encodeURIComponent(word)}`);
    return page.status === 200 && page.body.includes(text);
  }, 30);
}

/** Follows `username` through the profile page's form. */
export async function follow(b: Browser, username: string): Promise<void> {
  const path = `/user/${encodeURIComponent(username)}`;
  const res = await b.submit(path, `/follow/${encodeURIComponent(username)}`, {});
  assert.equal(res.status, 302, `follow ${username}: ${res.status} ${res.body.slice(0, 300)}`);
}

/** The readiness report of the deployed app, or `undefined` when it does not answer. */
export async function readiness(
  baseUrl: string,
): Promise<{ status: number; database?: string; search?: string } | undefined> {
  try {
    const res = await fetch(new URL("/readyz", baseUrl), { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { database?: string; search?: string };
    return { status: res.status, database: body.database, search: body.search };
  } catch {
    return undefined;
  }
}
