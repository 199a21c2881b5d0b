// `npm run build` step: the OpenAPI document, built once here instead of in every Worker isolate.
// Bundles app/modules/openapi/document.server.ts (which collects every `<x>.openapi.server.ts` with
// import.meta.glob) for Node, runs it, and writes build/client/api/openapi.json, a static asset: the
// assets layer serves GET /api/openapi.json without running the Worker, and /docs/api reads it through
// the ASSETS binding. So neither zod-openapi nor the endpoint descriptions are in the main Worker
// (docs/decisions/006-edge-latency.md). Run after `remix vite:build`, which empties build/client.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { build } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";

const OUT_DIR = "build/openapi";
const DOCUMENT = "build/client/api/openapi.json";

await build({
  configFile: false,
  logLevel: "warn",
  plugins: [tsconfigPaths()],
  ssr: { noExternal: true, resolve: { conditions: ["workerd", "worker", "browser"] } },
  build: {
    ssr: "app/modules/openapi/document.server.ts",
    outDir: OUT_DIR,
    emptyOutDir: true,
    minify: false,
    rollupOptions: {
      output: { entryFileNames: "document.mjs" },
      // zod's comments carry `@__PURE__` notes Rollup cannot place; they only concern tree-shaking.
      onwarn: (warning, warn) => warning.code !== "INVALID_ANNOTATION" && warn(warning),
    },
  },
});

const version = process.env.APP_VERSION ?? JSON.parse(readFileSync("package.json", "utf8")).version;
const { openApiDocument } = await import(new URL(`../${OUT_DIR}/document.mjs`, import.meta.url).href);
mkdirSync("build/client/api", { recursive: true });
writeFileSync(DOCUMENT, JSON.stringify(openApiDocument(version)));
rmSync(OUT_DIR, { recursive: true, force: true });
console.log(`OpenAPI document: ${DOCUMENT}`);
