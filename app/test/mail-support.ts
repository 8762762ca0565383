/** Reads mails that the real SMTP test server (aiosmtpd, Maildir) received. */
import fs from "node:fs";
import path from "node:path";

/** Decodes a quoted-printable body (soft line breaks and =XX escapes, UTF-8). */
export function decodeQuotedPrintable(s: string): string {
  const bytes = s
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/gi, (_, h: string) => `%${h}`)
    .replace(/%(?![0-9A-F]{2})/gi, "%25");
  try {
    return decodeURIComponent(bytes);
  } catch {
    return s;
  }
}

/** Waits for a mail whose raw text contains `needle`; returns the decoded message. */
export async function waitForMail(
  maildir: string,
  needle: string,
  timeoutMs = 15000,
): Promise<string> {
  const dir = path.join(maildir, "new");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const raw = fs.readFileSync(path.join(dir, name), "utf8");
      if (raw.includes(needle)) return decodeQuotedPrintable(raw);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail containing ${needle} arrived in ${maildir} within ${timeoutMs} ms`);
}
