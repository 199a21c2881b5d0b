// The PDF Worker: draws certificates of completion with pdf-lib. It lives apart from the main
// Worker so pdf-lib and its font engine (~580 KiB gzipped) stay off the main bundle and its cold
// starts; the app reaches it through its PDF_RENDERER service binding. No bindings, reads no data.
import { CERTIFICATE_RENDER_PATH, CertificateDocument } from "../../app/modules/marketplace/certificate-document";
import { renderCertificate } from "./certificate";

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method !== "POST" || url.pathname !== CERTIFICATE_RENDER_PATH) return new Response("Not found", { status: 404 });
    const parsed = CertificateDocument.safeParse(await request.json().catch(() => null));
    if (!parsed.success) return new Response("Invalid certificate", { status: 400 });
    const bytes = await renderCertificate(parsed.data);
    return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "Content-Type": "application/pdf", "Content-Length": String(bytes.byteLength) } });
  },
} satisfies ExportedHandler;
