/** Course covers and instructor avatars: limits and URLs, shared by the server and the pages. */

export const IMAGE_LIMITS = {
  cover: { field: "cover", label: "cover image", maxBytes: 2 * 1024 * 1024 },
  avatar: { field: "avatar", label: "photo", maxBytes: 1024 * 1024 },
} as const;
export type ImageKind = keyof typeof IMAGE_LIMITS;
export const IMAGE_ACCEPT = "image/png,image/jpeg,image/webp";
export const BIO_MAX = 1000;

/** `covers/<courseId>/<file>` → `/covers/<courseId>/<file>` (the key's name is random: immutable URL). */
export const imageUrl = (key: string | null | undefined) => (key && /^(covers|avatars)\/[a-z0-9_]+\/[0-9a-f]{16}\.(png|jpg|webp)$/.test(key) ? `/${key}` : null);

/** Up to two initials of a name ("Ian Instructor" → "II"). */
export function initials(name: string) {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]!, parts[parts.length - 1]!] : parts;
  return letters.map((p) => [...p][0]!.toUpperCase()).join("") || "?";
}

/** Colour pairs with white text at ≥ 4.5:1 contrast, picked per course or person by a stable hash. */
const PALETTE = [
  ["#0b6e54", "#0f3d33"],
  ["#1d4ed8", "#1e2a78"],
  ["#7c2d92", "#3b0a4f"],
  ["#b42318", "#5c1111"],
  ["#9a4a00", "#4d2500"],
  ["#0e6176", "#083344"],
  ["#4338ca", "#1e1b4b"],
  ["#6b4f1d", "#2f2108"],
] as const;

export function hash(text: string) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export const paletteFor = (seed: string) => PALETTE[hash(seed) % PALETTE.length]!;
