/**
 * A small router: method + path pattern with `:name` segments. Unknown paths are 404, a known path with
 * another method 405 with an Allow header; handlers throw HttpError for anything else they refuse.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "./http-error.ts";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export type Handler = (ctx: RouteContext) => void | Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: "GET" | "POST", path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path
      .split("/")
      .map((seg) => {
        if (seg === "*") {
          names.push("rest");
          return "(.*)";
        }
        if (!seg.startsWith(":")) return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(seg.slice(1));
        return "([^/]+)";
      })
      .join("/");
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /** The handler and its params for a request, or an HttpError (404/405). HEAD is served as GET. */
  match(method: string, pathname: string): { handler: Handler; params: Record<string, string> } | HttpError {
    const m = method === "HEAD" ? "GET" : method;
    const allowed: string[] = [];
    for (const r of this.routes) {
      const hit = r.pattern.exec(pathname);
      if (!hit) continue;
      if (r.method !== m) {
        allowed.push(r.method);
        continue;
      }
      const params: Record<string, string> = {};
      let bad = false;
      r.names.forEach((n, i) => {
        try {
          params[n] = decodeURIComponent(hit[i + 1]!);
        } catch {
          bad = true;
        }
      });
      if (bad) return new HttpError(400, `malformed percent-encoding in ${pathname}`);
      return { handler: r.handler, params };
    }
    if (allowed.length > 0) return new HttpError(405, `${method} is not allowed on ${pathname} (allowed: ${allowed.join(", ")})`, { allow: allowed.join(", ") });
    return new HttpError(404, `no such page or API: ${pathname}`);
  }
}
