// The share-image Worker as an auxiliary worker for @cloudflare/vitest-pool-workers: bundled with
// esbuild, workers-og's two .wasm files passed beside it as compiled WebAssembly modules.
import { build } from "esbuild";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "../..");

export async function ogRendererTestWorker() {
  const outfile = path.join(root, "node_modules/.cache/coursemint-og/index.mjs");
  await build({
    entryPoints: [path.join(here, "index.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "*.wasm"],
    logLevel: "warning",
  });
  const wasmDir = path.join(root, "node_modules/workers-og/dist");
  return {
    name: "coursemint-og",
    compatibilityDate: "2026-07-01",
    modules: [
      { type: "ESModule" as const, path: "index.mjs", contents: readFileSync(outfile, "utf8") },
      ...readdirSync(wasmDir)
        .filter((f) => f.endsWith(".wasm"))
        .map((f) => ({ type: "CompiledWasm" as const, path: f, contents: readFileSync(path.join(wasmDir, f)) })),
    ],
  };
}
