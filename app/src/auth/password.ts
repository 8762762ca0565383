/**
 * Password hashing with scrypt (memory-hard), stored as `scrypt$N$r$p$salt$hash`.
 *
 * Parameters are OWASP's current recommendation for scrypt (N=2^17, r=8, p=1): each derivation
 * takes 128 MiB outside the JS heap and roughly half a second of one core. At most
 * MAX_CONCURRENT derivations run at once (the others queue), so a burst of logins cannot take
 * more than 256 MiB. Hashes with older parameters still verify and are re-hashed by the caller
 * after a successful login (`needsRehash`).
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** Current cost parameters. */
export const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
const KEYLEN = 32;
/** Derivations running at once; each holds 128 * N * r bytes (128 MiB). */
const MAX_CONCURRENT = 2;
/** Largest parameters accepted from a stored hash (bounds the memory a bad row can claim). */
const LIMITS = { N: 2 ** 20, r: 16, p: 4 };

type Params = { N: number; r: number; p: number };

let running = 0;
const waiting: (() => void)[] = [];

async function withSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function derive(password: string, salt: Buffer, { N, r, p }: Params): Promise<Buffer> {
  // OpenSSL needs 128*r*(N+2) bytes for V plus 128*r*p for B; allow that plus 1 MiB.
  const maxmem = 128 * r * (N + 2 + p) + 1024 * 1024;
  return withSlot(
    () =>
      new Promise((resolve, reject) =>
        scrypt(password.normalize("NFKC"), salt, KEYLEN, { N, r, p, maxmem }, (e, k) =>
          e ? reject(e) : resolve(k),
        ),
      ),
  );
}

/** Hashes a password with a fresh random salt and the current parameters. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, SCRYPT);
  const { N, r, p } = SCRYPT;
  return ["scrypt", N, r, p, salt.toString("base64"), key.toString("base64")].join("$");
}

interface Parsed extends Params {
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): Parsed | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > LIMITS.N) return null;
  if (!Number.isInteger(r) || r < 1 || r > LIMITS.r) return null;
  if (!Number.isInteger(p) || p < 1 || p > LIMITS.p) return null;
  const hash = Buffer.from(parts[5]!, "base64");
  if (hash.length === 0) return null;
  return { N, r, p, salt: Buffer.from(parts[4]!, "base64"), hash };
}

let dummy: Promise<Parsed> | undefined;

/** A hash of a random password with the current parameters, made once per process. */
function dummyHash(): Promise<Parsed> {
  dummy ??= hashPassword(randomBytes(16).toString("hex")).then((h) => parse(h)!);
  return dummy;
}

/**
 * Checks a password against a stored hash in constant time. With no stored hash (unknown user)
 * or a malformed one it derives against a dummy hash with the current parameters, so the
 * answer takes as long as for a real user, and returns false.
 */
export async function verifyPassword(password: string, stored?: string | null): Promise<boolean> {
  const parsed = stored ? parse(stored) : null;
  const target = parsed ?? (await dummyHash());
  const key = await derive(password, target.salt, target);
  const equal = key.length === target.hash.length && timingSafeEqual(key, target.hash);
  return parsed !== null && equal;
}

/** True when a stored hash uses other parameters than the current ones. */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return parsed === null || parsed.N !== SCRYPT.N || parsed.r !== SCRYPT.r || parsed.p !== SCRYPT.p;
}
