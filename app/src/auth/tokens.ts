/**
 * Password-reset tokens: HS256 JWTs that expire after 10 minutes. Each carries a fingerprint of
 * the user's current password hash, so a token stops working once the password changes.
 */
import { createHash, createHmac } from "node:crypto";
import { SignJWT, jwtVerify } from "jose";

/** Lifetime of a reset token, in seconds. */
export const RESET_TOKEN_TTL_SECONDS = 600;

function keyFor(secretKey: string): Uint8Array {
  return createHmac("sha256", secretKey).update("microblog/reset-password").digest();
}

function fingerprint(passwordHash: string): string {
  return createHash("sha256").update(passwordHash).digest("base64url").slice(0, 16);
}

/** Signs a reset token for a user. `now` (seconds) is for tests. */
export async function signResetToken(
  secretKey: string,
  user: { id: number; password_hash: string },
  now = Math.floor(Date.now() / 1000),
): Promise<string> {
  return new SignJWT({ purpose: "reset", fp: fingerprint(user.password_hash) })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(String(user.id))
    .setIssuedAt(now)
    .setExpirationTime(now + RESET_TOKEN_TTL_SECONDS)
    .sign(keyFor(secretKey));
}

/**
 * Verifies a reset token; returns the user id it names, or null when it is forged, expired or
 * not a reset token. The caller then checks the fingerprint with `tokenMatchesUser`.
 */
export async function verifyResetToken(
  secretKey: string,
  token: string,
): Promise<{ userId: number; fp: string } | null> {
  try {
    const { payload } = await jwtVerify(token, keyFor(secretKey), { algorithms: ["HS256"] });
    const userId = Number(payload.sub);
    if (
      payload.purpose !== "reset" ||
      !Number.isInteger(userId) ||
      typeof payload.fp !== "string"
    ) {
      return null;
    }
    return { userId, fp: payload.fp };
  } catch {
    return null;
  }
}

/** True when the token was issued for the user's current password. */
export function tokenMatchesUser(fp: string, user: { password_hash: string }): boolean {
  return fp === fingerprint(user.password_hash);
}
