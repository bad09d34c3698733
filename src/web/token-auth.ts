/**
 * Access tokens for the web console. On loopback nobody needs one (the machine's users can reach the VNC
 * port anyway); on any other address every page, API call and WebSocket must carry the token: as
 * `Authorization: Bearer <token>`, as `?token=` (the URL printed at start; the page then keeps it in an
 * HttpOnly cookie so its scripts and the WebSocket carry it too), or as that cookie.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const TOKEN_COOKIE = "vfio_display_token";

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function generateToken(): string {
  return randomBytes(18).toString("base64url");
}

/** A token given by the user: long enough to resist guessing, and safe in URLs and cookies. */
export function validateToken(token: string): string | undefined {
  if (token.length < 16) return `the token must be at least 16 characters (got ${token.length})`;
  if (!/^[A-Za-z0-9._~-]+$/.test(token)) return "the token may contain only letters, digits and . _ ~ -";
  return undefined;
}

export type TokenSource = "header" | "query" | "cookie";

/** Where a request's token came from, or undefined when it carries none that matches. */
export function presentedToken(req: IncomingMessage, url: URL, expected: string): TokenSource | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ") && sameToken(auth.slice(7).trim(), expected)) return "header";
  const q = url.searchParams.get("token");
  if (q !== null && sameToken(q, expected)) return "query";
  const cookie = cookieValue(req.headers.cookie, TOKEN_COOKIE);
  if (cookie !== undefined && sameToken(cookie, expected)) return "cookie";
  return undefined;
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

/**
 * Constant time in the content and the length: both sides are hashed to 32 bytes first, so neither an
 * early mismatch nor a length mismatch answers sooner.
 */
export function sameToken(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** A request URL fit for a log: the token query parameter's value replaced. */
export function redactedUrl(url: string | undefined): string {
  return (url ?? "").replace(/([?&]token=)[^&#]*/g, "$1(redacted)");
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
