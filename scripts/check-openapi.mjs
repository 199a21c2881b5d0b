// Validates GET /api/openapi.json against the OpenAPI 3.1 schema (offline), as `npm test` runs it.
// The document comes from the built Worker (`npm run build` first): this imports the Remix server
// build and calls the route's own loader, so what is checked is exactly what the Worker serves.
// Run with the Worker's export conditions: `node --conditions=workerd --conditions=worker --conditions=browser`.
import { Validator } from "@seriousme/openapi-schema-validator";
import { writeFileSync } from "node:fs";

const build = await import(new URL("../build/server/index.js", import.meta.url).href);
const route = Object.values(build.routes).find((r) => r.path === "api/openapi.json");
if (!route) {
  console.error("check-openapi: no api/openapi.json route in build/server (run `npm run build`)");
  process.exit(1);
}
const response = await route.module.loader({
  request: new Request("http://localhost/api/openapi.json"),
  params: {},
  context: { app: { config: { APP_VERSION: process.env.npm_package_version ?? "0.0.0" } } },
});
const document = await response.json();
const out = process.argv[2];
if (out) writeFileSync(out, JSON.stringify(document, null, 2) + "\n");

const result = await new Validator().validate(document);
const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).filter((k) => ["get", "post", "put", "patch", "delete"].includes(k)).length, 0);
if (!result.valid) {
  console.error(`check-openapi: the document is not valid OpenAPI ${document.openapi}:`);
  console.error(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}
console.log(`check-openapi: OpenAPI ${document.openapi} valid — ${Object.keys(document.paths).length} paths, ${operations} operations`);
