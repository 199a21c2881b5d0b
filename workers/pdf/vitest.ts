// The PDF Worker as an auxiliary worker for @cloudflare/vitest-pool-workers: bundled with esbuild,
// the font files passed beside it as Data modules (as workers/pdf/wrangler.toml's [[rules]] does).
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, "../..");

export async function pdfRendererTestWorker() {
  const outfile = path.join(root, "node_modules/.cache/coursemint-pdf/index.mjs");
  const fonts = new Set<string>();
  await build({
    entryPoints: [path.join(here, "index.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    external: ["cloudflare:*"],
    logLevel: "warning",
    plugins: [
      {
        name: "font-data-modules",
        setup(b) {
          b.onResolve({ filter: /\.woff$/ }, (args) => {
            fonts.add(args.path);
            return { path: `./${path.basename(args.path)}`, external: true };
          });
        },
      },
    ],
  });
  return {
    name: "coursemint-pdf",
    compatibilityDate: "2026-07-01",
    modules: [
      { type: "ESModule" as const, path: "index.mjs", contents: readFileSync(outfile, "utf8") },
      ...[...fonts].map((f) => ({ type: "Data" as const, path: path.basename(f), contents: readFileSync(path.join(root, "node_modules", f)) })),
    ],
  };
}
