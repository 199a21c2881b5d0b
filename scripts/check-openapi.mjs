// Validates the OpenAPI document against the OpenAPI 3.1 schema (offline), as `npm test` runs it.
// The document is the static asset `npm run build` writes (scripts/build-openapi.mjs), which is
// exactly what GET /api/openapi.json serves. `node scripts/check-openapi.mjs out.json` also writes it
// pretty-printed.
import { Validator } from "@seriousme/openapi-schema-validator";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const DOCUMENT = new URL("../build/client/api/openapi.json", import.meta.url);
if (!existsSync(DOCUMENT)) {
  console.error("check-openapi: no build/client/api/openapi.json (run `npm run build`)");
  process.exit(1);
}
const document = JSON.parse(readFileSync(DOCUMENT, "utf8"));
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
