import fontkit from "@pdf-lib/fontkit";
import { PDFDocument, PDFName, PDFString, rgb, type PDFFont, type PDFPage } from "pdf-lib";
import type { CertificateDocument } from "../../app/modules/marketplace/certificate-document";
import { FONT_FILES, type Weight } from "./fonts";

// A4 landscape, in PDF points.
const WIDTH = 842;
const HEIGHT = 595;
const MARGIN = 56;
const MINT = rgb(0x0f / 255, 0x76 / 255, 0x6e / 255);
const INK = rgb(0.11, 0.13, 0.15);
const MUTED = rgb(0.36, 0.39, 0.43);

/** Parsed once per isolate: only used to find which file has a character's glyph. */
let faces: Record<Weight, ReturnType<typeof fontkit.create>[]> | null = null;
function coverage() {
  faces ??= {
    regular: FONT_FILES.regular.map((bytes) => fontkit.create(new Uint8Array(bytes))),
    bold: FONT_FILES.bold.map((bytes) => fontkit.create(new Uint8Array(bytes))),
  };
  return faces;
}

type Run = { text: string; font: PDFFont };

/** Draws text in runs, each in the first Inter file that has its glyphs (unknown ones use Latin). */
class Fonts {
  private embedded = new Map<string, PDFFont>();
  constructor(private doc: PDFDocument) {}

  private async font(weight: Weight, index: number) {
    const key = `${weight}:${index}`;
    let font = this.embedded.get(key);
    if (!font) {
      font = await this.doc.embedFont(new Uint8Array(FONT_FILES[weight][index]!), { subset: true });
      this.embedded.set(key, font);
    }
    return font;
  }

  async runs(text: string, weight: Weight): Promise<Run[]> {
    const files = coverage()[weight];
    const runs: { text: string; index: number }[] = [];
    for (const char of text) {
      const cp = char.codePointAt(0)!;
      const current = runs.at(-1);
      if (current && files[current.index]!.hasGlyphForCodePoint(cp)) {
        current.text += char;
        continue;
      }
      const found = files.findIndex((f) => f.hasGlyphForCodePoint(cp));
      const index = found === -1 ? (current?.index ?? 0) : found;
      if (current && current.index === index) current.text += char;
      else runs.push({ text: char, index });
    }
    return Promise.all(runs.map(async (r) => ({ text: r.text, font: await this.font(weight, r.index) })));
  }
}

const widthOf = (runs: Run[], size: number) => runs.reduce((w, r) => w + r.font.widthOfTextAtSize(r.text, size), 0);

async function centred(page: PDFPage, fonts: Fonts, text: string, opts: { y: number; size: number; weight?: Weight; color?: ReturnType<typeof rgb>; minSize?: number }) {
  const runs = await fonts.runs(text, opts.weight ?? "regular");
  const maxWidth = WIDTH - 2 * MARGIN - 40;
  let size = opts.size;
  while (size > (opts.minSize ?? opts.size) && widthOf(runs, size) > maxWidth) size -= 1;
  let x = (WIDTH - widthOf(runs, size)) / 2;
  for (const run of runs) {
    page.drawText(run.text, { x, y: opts.y, size, font: run.font, color: opts.color ?? INK });
    x += run.font.widthOfTextAtSize(run.text, size);
  }
  return size;
}

/** Splits a long course title into at most two lines at word boundaries. */
function twoLines(text: string, fits: (line: string) => boolean): string[] {
  if (fits(text)) return [text];
  const words = text.split(/\s+/);
  for (let i = words.length - 1; i > 0; i--) {
    const first = words.slice(0, i).join(" ");
    if (fits(first)) return [first, words.slice(i).join(" ")];
  }
  return [text];
}

/** The certificate of completion as a one-page PDF (A4 landscape), fonts embedded as subsets. */
export async function renderCertificate(cert: CertificateDocument): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  doc.setTitle(`Certificate of completion: ${cert.learnerName}, ${cert.courseTitle}`, { showInWindowTitleBar: true });
  doc.setAuthor("Coursemint");
  doc.setSubject(`${cert.learnerName} completed ${cert.courseTitle} (taught by ${cert.instructorName}) on ${cert.completedOn}.`);
  doc.setKeywords(["certificate", cert.code, cert.verifyUrl]);
  doc.setCreator("Coursemint");
  doc.setProducer("Coursemint (pdf-lib)");
  doc.setLanguage("en");
  const fonts = new Fonts(doc);
  const page = doc.addPage([WIDTH, HEIGHT]);

  page.drawRectangle({ x: 24, y: 24, width: WIDTH - 48, height: HEIGHT - 48, borderColor: MINT, borderWidth: 3 });
  page.drawRectangle({ x: 32, y: 32, width: WIDTH - 64, height: HEIGHT - 64, borderColor: MINT, borderWidth: 0.75 });

  await centred(page, fonts, "Coursemint", { y: HEIGHT - 100, size: 22, weight: "bold", color: MINT });
  await centred(page, fonts, "CERTIFICATE OF COMPLETION", { y: HEIGHT - 140, size: 15, color: MUTED });
  await centred(page, fonts, "This certifies that", { y: HEIGHT - 200, size: 13, color: MUTED });
  await centred(page, fonts, cert.learnerName, { y: HEIGHT - 250, size: 36, minSize: 18, weight: "bold" });
  await centred(page, fonts, "has completed the course", { y: HEIGHT - 292, size: 13, color: MUTED });

  const titleRuns = async (line: string) => widthOf(await fonts.runs(line, "bold"), 22) <= WIDTH - 2 * MARGIN - 40;
  const words = cert.courseTitle.split(/\s+/);
  const fitsCache = new Map<string, boolean>();
  for (let i = 1; i <= words.length; i++) {
    const line = words.slice(0, i).join(" ");
    fitsCache.set(line, await titleRuns(line));
  }
  const lines = twoLines(cert.courseTitle, (line) => fitsCache.get(line) ?? false);
  let y = HEIGHT - 334;
  for (const line of lines) {
    await centred(page, fonts, line, { y, size: 22, minSize: 12, weight: "bold" });
    y -= 28;
  }
  await centred(page, fonts, `taught by ${cert.instructorName}`, { y: y - 6, size: 13, color: MUTED });
  await centred(page, fonts, `Completed on ${cert.completedOn}`, { y: 150, size: 13 });

  await centred(page, fonts, `Certificate code ${cert.code}`, { y: 96, size: 11, color: MUTED });
  const verify = `Check it at ${cert.verifyUrl}`;
  await centred(page, fonts, verify, { y: 78, size: 10, minSize: 7, color: MINT });

  // The verification line is a link too.
  const link = doc.context.obj({
    Type: "Annot",
    Subtype: "Link",
    Rect: [MARGIN, 72, WIDTH - MARGIN, 92],
    Border: [0, 0, 0],
    A: { Type: "Action", S: "URI", URI: PDFString.of(cert.verifyUrl) },
  });
  page.node.set(PDFName.of("Annots"), doc.context.obj([doc.context.register(link)]));

  // Plain objects (no object streams): the metadata stays readable by simple tools and tests.
  return doc.save({ useObjectStreams: false });
}
