import { env } from "cloudflare:test";
import { PDFDocument } from "pdf-lib";
import { describe, expect, it } from "vitest";

// The PDF Worker (workers/pdf) behind the PDF_RENDERER service binding; the route that uses it is
// covered in tests/marketplace/certificates.test.ts.
describe("PDF Worker", () => {
  const render = (body: unknown) =>
    env.PDF_RENDERER.fetch("https://pdf.internal/render/certificate", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const certificate = {
    learnerName: "Νίκος Καζαντζάκης",
    courseTitle: "A very long course title that has to wrap onto a second line because it does not fit on one line at all",
    instructorName: "Trần Thị Hồng",
    completedOn: "7 December 2026",
    code: "7K3QW-9ZXTM-0B1CD-EFGH2",
    verifyUrl: "https://coursemint.example/certificates/verify/7K3QW-9ZXTM-0B1CD-EFGH2",
  };

  it("draws a one-page certificate with Greek and Vietnamese names and a two-line title", async () => {
    const res = await render(certificate);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/pdf");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe("%PDF-");
    const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
    expect(pdf.getPageCount()).toBe(1);
    expect(pdf.getPage(0).getSize()).toEqual({ width: 842, height: 595 });
    expect(pdf.getTitle()).toContain("Νίκος Καζαντζάκης");
    expect(pdf.getSubject()).toContain("taught by Trần Thị Hồng");
    // Fonts are embedded (subsets of the shipped Inter files), never referenced by name only.
    const fonts = new TextDecoder("latin1").decode(bytes).match(/\/FontFile2/g) ?? [];
    expect(fonts.length).toBeGreaterThanOrEqual(2);
  });

  it("refuses an invalid certificate and other paths", async () => {
    expect((await render({ ...certificate, learnerName: "" })).status).toBe(400);
    expect((await render({ ...certificate, extra: "field" })).status).toBe(400);
    expect((await env.PDF_RENDERER.fetch("https://pdf.internal/other")).status).toBe(404);
  });
});
