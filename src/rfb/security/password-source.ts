/**
 * Where the VNC password comes from: the first line of a file, or an environment variable the user names
 * (e.g. VFIO_DISPLAY_VNC_PASSWORD). Never a command-line argument: those are visible to every user in
 * `ps` and /proc/PID/cmdline. A file that group or others may access is refused. VNC authentication uses
 * at most 8 bytes; a longer password is accepted with a warning, because clients silently cut it too and
 * the user should know the rest does not count.
 */
import { readFileSync, statSync } from "node:fs";
import { VNC_PASSWORD_MAX_BYTES } from "./vnc-auth.ts";

export type PasswordSource = { kind: "file"; path: string } | { kind: "env"; name: string };

export interface LoadedPassword {
  password: Buffer;
  /** where it came from, for logs (never the password itself) */
  origin: string;
  warnings: string[];
}

export class PasswordSourceError extends Error {}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function loadPassword(source: PasswordSource, env: NodeJS.ProcessEnv = process.env): LoadedPassword {
  const warnings: string[] = [];
  let password: Buffer;
  let origin: string;
  if (source.kind === "file") {
    origin = `password file ${source.path}`;
    password = firstLine(readPasswordFile(source.path));
    if (password.length === 0) throw new PasswordSourceError(`${origin} is empty (its first line is the password)`);
    // Refused, not warned about (as OpenSSH refuses such a private key): a password others could read is
    // no secret any more, and a warning scrolls by while the server runs.
    const mode = statSync(source.path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new PasswordSourceError(`${origin} is open to other users (mode ${mode.toString(8).padStart(4, "0")}); chmod 600 it`);
    }
  } else {
    if (!ENV_NAME.test(source.name)) throw new PasswordSourceError(`"${source.name}" is not a valid environment variable name`);
    origin = `environment variable ${source.name}`;
    const value = env[source.name];
    if (value === undefined) throw new PasswordSourceError(`${origin} is not set`);
    password = Buffer.from(value, "utf8");
    if (password.length === 0) throw new PasswordSourceError(`${origin} is empty`);
  }
  if (password.length > VNC_PASSWORD_MAX_BYTES) {
    warnings.push(
      `the password from ${origin} is ${password.length} bytes; VNC authentication uses only the first ${VNC_PASSWORD_MAX_BYTES}`,
    );
  }
  return { password, origin, warnings };
}

function readPasswordFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new PasswordSourceError(`password file ${path} does not exist`);
    if (code === "EACCES" || code === "EPERM") throw new PasswordSourceError(`password file ${path} is not readable (permission denied)`);
    if (code === "EISDIR") throw new PasswordSourceError(`password file ${path} is a directory`);
    throw new PasswordSourceError(`password file ${path} cannot be read: ${(e as Error).message}`);
  }
}

/** The bytes before the first line break (LF or CRLF). */
function firstLine(b: Buffer): Buffer {
  let end = b.indexOf(0x0a);
  if (end < 0) end = b.length;
  if (end > 0 && b[end - 1] === 0x0d) end--;
  return Buffer.from(b.subarray(0, end));
}
