/**
 * Talking to a running `vfio-display serve` through its HTTP API (`--url`): the token from
 * $VFIO_DISPLAY_WEB_TOKEN (or ?token= in the URL) as a Bearer header, and every failure as one clear line.
 */
import { TOKEN_ENV } from "./serve.ts";
import { UsageError } from "./usage-error.ts";

export const DEFAULT_URL = "http://127.0.0.1:6080";

export function parseServeUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url "${text}" is not a URL (e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--url must be http:// or https://, got ${url.protocol}`);
  return url;
}

export async function fetchApi(base: URL, path: string, env: NodeJS.ProcessEnv = process.env): Promise<Response> {
  const url = new URL(path, base);
  const token = base.searchParams.get("token") ?? env[TOKEN_ENV];
  let res: Response;
  try {
    res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    throw new Error(`no vfio-display serve at ${base.origin}${cause ? ` (${cause})` : ""}: start one with \`vfio-display serve\`, or point --url at it`);
  }
  if (!res.ok) {
    let message = res.statusText;
    try {
      message = ((await res.json()) as { error?: string }).error ?? message;
    } catch {
      /* not our JSON: keep the status text */
    }
    if (res.status === 401) throw new UsageError(`${base.origin}: ${message} (set ${TOKEN_ENV})`);
    if (res.status === 404) throw new UsageError(message);
    throw new Error(`${url.pathname}: HTTP ${res.status}: ${message}`);
  }
  return res;
}
