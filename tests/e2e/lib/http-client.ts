/**
 * A small HTTP client for driving the deployed Microblog like a browser would: it keeps cookies,
 * follows no redirects on its own, and reads the CSRF token out of the forms it fetched.
 */

/** One response, with the body already read. */
export interface Page {
  readonly status: number;
  readonly location: string | null;
  readonly body: string;
}

/** A cookie-keeping client bound to one base URL. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    private readonly acceptLanguage = "en",
  ) {}

  /** GET a path. */
  get(path: string): Promise<Page> {
    return this.request("GET", path);
  }

  /** POST a url-encoded form to a path. */
  post(path: string, form: Record<string, string>): Promise<Page> {
    return this.request("POST", path, new URLSearchParams(form).toString());
  }

  /** Fetches `formPath`, then posts `fields` plus the page's CSRF token to `action`. */
  async submit(formPath: string, action: string, fields: Record<string, string>): Promise<Page> {
    const page = await this.get(formPath);
    return this.post(action, { ...csrfFields(page.body), ...fields });
  }

  private async request(method: string, path: string, body?: string): Promise<Page> {
    const headers: Record<string, string> = { "accept-language": this.acceptLanguage };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    }
    if (body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(15_000),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (pair && eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return { status: res.status, location: res.headers.get("location"), body: await res.text() };
  }
}

/** Hidden CSRF inputs of the first form in a page (`name="_csrf" value="…"`, any order). */
export function csrfFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(match[0])?.[1];
    const value = /value="([^"]*)"/.exec(match[0])?.[1];
    if (name && value !== undefined && /csrf/i.test(name)) fields[name] = decodeEntities(value);
  }
  return fields;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#x2F;/g, "/")
    .replace(/&#x3D;/g, "=")
    .replace(/&#43;/g, "+")
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"');
}

/** Polls `probe` until it returns true or `seconds` pass; resolves with whether it succeeded. */
export async function waitFor(
  probe: () => Promise<boolean>,
  seconds: number,
  intervalMs = 1000,
): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return true;
    } catch {
      // Connection refused while a container restarts: keep polling.
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return false;
}
