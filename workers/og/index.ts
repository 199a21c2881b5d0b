// The share-image Worker: renders course share cards (1200×630 PNG) with workers-og. It lives
// apart from the main Worker so workers-og's WebAssembly (resvg + yoga, ~1.4 MiB) and the bundled
// font stay off the main bundle and its cold starts; the app reaches it through its OG_RENDERER
// service binding (docs/decisions/006-edge-latency.md). It has no bindings and reads no data.
import { ImageResponse } from "workers-og";
import { RENDER_PATH, ShareCard } from "./card";
// A binary Data module (wrangler.toml [[rules]]): the bytes arrive as an ArrayBuffer, no decoding.
// Inter is licensed under the SIL Open Font License 1.1 (see workers/og/OFL.txt).
import interBold from "@fontsource/inter/files/inter-latin-700-normal.woff";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderShareCard(card: ShareCard): Response {
  const title = card.title.length > 90 ? `${card.title.slice(0, 87)}…` : card.title;
  const html = `
    <div style="display:flex;flex-direction:column;justify-content:space-between;width:1200px;height:630px;padding:64px;background:linear-gradient(135deg,#0f766e,#134e4a);color:#ffffff;font-family:Inter">
      <div style="display:flex;font-size:32px;opacity:0.85">${escape(card.eyebrow)}</div>
      <div style="display:flex;font-size:68px;line-height:1.1">${escape(title)}</div>
      <div style="display:flex;justify-content:space-between;font-size:34px">
        <span>${escape(card.byline)}</span>
        <span>${escape(card.detail)}</span>
      </div>
    </div>`;
  return new ImageResponse(html, {
    width: 1200,
    height: 630,
    format: "png",
    fonts: [{ name: "Inter", data: interBold, weight: 700, style: "normal" }],
  });
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== RENDER_PATH) return new Response("Not found", { status: 404 });
    const parsed = ShareCard.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return new Response("Invalid share card", { status: 400 });
    return renderShareCard(parsed.data);
  },
} satisfies ExportedHandler;
