// `npm run check:bundle`: the main Worker as `wrangler deploy` would upload it must stay under
// 600 KiB gzipped (issue 16: cold starts; 500 until issues 23, 24 and 31 took it to 525, 560 until coupons, trials, seats and charts took it to 575; 532 since the OpenAPI document is built as an asset, see README). Run after `npm run build`. Prints the size and the
// largest packages in it, and fails over the limit. (The share-image renderer is its own Worker.)
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { bundleApp } from "./bench/lib.mjs";

const LIMIT_KIB = 600;
const METAFILE = "dist-worker/meta.json";
const code = readFileSync(bundleApp({ build: false, metafile: METAFILE }));
const gzipKiB = gzipSync(code, { level: 9 }).length / 1024;

const packages = new Map();
for (const [file, { bytesInOutput }] of Object.entries(JSON.parse(readFileSync(METAFILE, "utf8")).outputs["dist-worker/app.js"]?.inputs ?? {})) {
  const parts = file.split("node_modules/").pop().split("/");
  const name = file.includes("node_modules/") ? (parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]) : "(app and Remix build)";
  packages.set(name, (packages.get(name) ?? 0) + bytesInOutput);
}
const top = [...packages].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)} KiB`);
console.log(`Main Worker: ${Math.round(code.length / 1024)} KiB, ${gzipKiB.toFixed(0)} KiB gzipped (limit ${LIMIT_KIB} KiB). Largest raw: ${top.join(", ")}.`);
if (gzipKiB > LIMIT_KIB) {
  console.error(`The main Worker is over ${LIMIT_KIB} KiB gzipped. Import zod as \`import * as z from "zod"\` (the \`{ z }\` export keeps every locale), keep WebAssembly in workers/og.`);
  process.exit(1);
}
