import * as build from "../../build/server";

type ManifestRoute = { id: string; parentId?: string; path?: string; index?: boolean; module: Record<string, unknown> };
const routes = build.routes as unknown as Record<string, ManifestRoute>;

/** A route's full URL pattern (`/api/courses/:courseId`), joined from its parents' path segments. */
export function urlPattern(id: string): string {
  const segments: string[] = [];
  for (let route: ManifestRoute | undefined = routes[id]; route; route = route.parentId ? routes[route.parentId] : undefined) {
    if (route.path) segments.unshift(route.path);
  }
  return "/" + segments.join("/");
}

export type RouteEntry = { id: string; pattern: string; methods: string[]; kind: "page" | "resource"; index: boolean; parent: string };

/**
 * Every route of the Remix server build as a reader of URLs sees it: its pattern, the methods it
 * answers (a loader answers GET and HEAD, an action every other method), whether it renders a page,
 * and the pattern of the route it renders inside. Route ids (file names) are left out on purpose.
 */
export function manifestRoutes(): RouteEntry[] {
  return Object.values(routes)
    .filter((r) => r.id !== "root")
    .map((r) => ({
      id: r.id,
      pattern: urlPattern(r.id),
      methods: [...(r.module.loader ? ["GET"] : []), ...(r.module.action ? ["POST"] : [])],
      kind: typeof r.module.default === "function" ? ("page" as const) : ("resource" as const),
      index: Boolean(r.index),
      parent: r.parentId && r.parentId !== "root" ? urlPattern(r.parentId) : "(root)",
    }));
}

/** One line per route, sorted: what tests/routes/urls.txt commits. */
export function manifestLines(): string[] {
  return manifestRoutes()
    .map((r) => `${r.pattern}${r.index ? " (index)" : ""}  ${r.methods.join(",") || "-"}  ${r.kind}  in ${r.parent}`)
    .sort();
}
