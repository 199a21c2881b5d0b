// Inter (SIL Open Font License 1.1, see workers/og/OFL.txt), shipped in the @fontsource/inter
// package and imported as binary Data modules (workers/pdf/wrangler.toml [[rules]]): never fetched.
// Fontsource splits the font by script; a text run takes the first file that has its glyphs.
import latin400 from "@fontsource/inter/files/inter-latin-400-normal.woff";
import latinExt400 from "@fontsource/inter/files/inter-latin-ext-400-normal.woff";
import cyrillic400 from "@fontsource/inter/files/inter-cyrillic-400-normal.woff";
import cyrillicExt400 from "@fontsource/inter/files/inter-cyrillic-ext-400-normal.woff";
import greek400 from "@fontsource/inter/files/inter-greek-400-normal.woff";
import greekExt400 from "@fontsource/inter/files/inter-greek-ext-400-normal.woff";
import vietnamese400 from "@fontsource/inter/files/inter-vietnamese-400-normal.woff";
import latin700 from "@fontsource/inter/files/inter-latin-700-normal.woff";
import latinExt700 from "@fontsource/inter/files/inter-latin-ext-700-normal.woff";
import cyrillic700 from "@fontsource/inter/files/inter-cyrillic-700-normal.woff";
import cyrillicExt700 from "@fontsource/inter/files/inter-cyrillic-ext-700-normal.woff";
import greek700 from "@fontsource/inter/files/inter-greek-700-normal.woff";
import greekExt700 from "@fontsource/inter/files/inter-greek-ext-700-normal.woff";
import vietnamese700 from "@fontsource/inter/files/inter-vietnamese-700-normal.woff";

// The wrangler rule (and the test build) make each import an ArrayBuffer; vite/client's own
// declaration of *.woff says string (a URL), so the type is stated here.
const bytes = (...files: unknown[]) => files as ArrayBuffer[];

export const FONT_FILES = {
  regular: bytes(latin400, latinExt400, cyrillic400, cyrillicExt400, greek400, greekExt400, vietnamese400),
  bold: bytes(latin700, latinExt700, cyrillic700, cyrillicExt700, greek700, greekExt700, vietnamese700),
};
export type Weight = keyof typeof FONT_FILES;
