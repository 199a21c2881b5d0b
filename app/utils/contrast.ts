/*
 * WCAG 2.x contrast between two sRGB colours (#rrggbb): (L1 + 0.05) / (L2 + 0.05) with the
 * relative luminance of each. Normal text needs at least 4.5:1 (level AA). Plain code, safe in
 * browser bundles.
 */

export const MIN_TEXT_CONTRAST = 4.5;

function channel(c: number) {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}

/** Relative luminance of a #rrggbb colour (0 black … 1 white). */
export function luminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`Not a #rrggbb colour: ${hex}`);
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((x) => channel(parseInt(x, 16)));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** The contrast ratio of two colours, 1 … 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** A ratio as people read it: 4.48 → "4.4:1" (rounded down, so a refused pair never reads as 4.5:1). */
export const formatRatio = (ratio: number) => `${Math.floor(ratio * 10) / 10}:1`;
