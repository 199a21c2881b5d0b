/**
 * Marketplace rules shared by the server and the UI (plain constants; safe in browser code).
 * docs/marketplace.md explains each one.
 */
import * as z from "zod";
import { CURRENCIES, currencySchema, formatMoney, type Currency } from "~/utils/money";
import { COURSE_CATEGORIES, COURSE_LANGUAGES, COURSE_LEVELS } from "~drizzle/schema/enums";

export { COURSE_CATEGORIES, COURSE_LANGUAGES, COURSE_LEVELS };

export const TITLE_MIN = 5;
export const TITLE_MAX = 120;
export const DESCRIPTION_MIN = 20;
export const DESCRIPTION_MAX = 5000;
export const MODULE_TITLE_MAX = 120;
/** A paid course costs between these (minor units), or exactly 0 (free). */
export const PRICE_MIN = 100;
export const PRICE_MAX = 100_000;

/** Upload limits. */
export const MAX_FILE_BYTES = 25 * 1024 * 1024;
export const MAX_FILES_PER_UPLOAD = 10;
export const MAX_MODULES_PER_COURSE = 100;
/** Whole multipart request (files + fields + framing). */
export const MAX_UPLOAD_REQUEST_BYTES = MAX_FILES_PER_UPLOAD * MAX_FILE_BYTES + 1024 * 1024;

/** Allowed module files: extension → served content type. The first bytes must match too. */
export const FILE_TYPES = {
  pdf: "application/pdf",
  mp4: "video/mp4",
  webm: "video/webm",
  mp3: "audio/mpeg",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  md: "text/markdown; charset=utf-8",
  txt: "text/plain; charset=utf-8",
} as const;
export type FileExtension = keyof typeof FILE_TYPES;
export const ACCEPT_ATTRIBUTE = Object.keys(FILE_TYPES)
  .map((e) => `.${e}`)
  .join(",");

/** The Pro-independent revenue split: instructor first, so the instructor gets any leftover unit. */
export const SPLIT_WEIGHTS = [70, 30] as const;
/** Refund window: earnings are held this long before they can be paid out. */
export const HOLD_DAYS = 30;

export const REVIEW_BODY_MAX = 2000;

/** Catalog sort orders (`sort=` of the listing). */
export const LISTING_SORTS = ["popular", "newest", "rating", "price_asc", "price_desc"] as const;
export type ListingSort = (typeof LISTING_SORTS)[number];

export const CATEGORY_LABELS: Record<(typeof COURSE_CATEGORIES)[number], string> = {
  development: "Development",
  data: "Data & AI",
  design: "Design",
  business: "Business",
  marketing: "Marketing",
  music: "Music",
  photography: "Photography",
  language: "Languages",
  health: "Health & fitness",
  personal: "Personal growth",
};
export const LANGUAGE_LABELS: Record<(typeof COURSE_LANGUAGES)[number], string> = {
  en: "English",
  es: "Spanish",
  fr: "French",
  de: "German",
  pt: "Portuguese",
  it: "Italian",
  ja: "Japanese",
  zh: "Chinese",
  hi: "Hindi",
  ar: "Arabic",
};

const trimmed = (label: string, min: number, max: number) =>
  z
    .string({ error: `${label} is required` })
    .trim()
    .min(min, `${label} must be at least ${min} characters`)
    .max(max, `${label} must be at most ${max} characters`);

/**
 * What the course forms say about a bad price: the pages take a typed price ("19.99"), so they do
 * not repeat the API's "minor units" wording (used for `priceAmount` field errors on pages).
 */
export function priceFieldMessage(currency: string | undefined): string {
  const code = (currency && currency in CURRENCIES ? currency : "usd") as Currency;
  const range = `${formatMoney(PRICE_MIN, code)} and ${formatMoney(PRICE_MAX, code)}`;
  return CURRENCIES[code] === 0 ? `Enter 0 for a free course, or a whole amount between ${range}` : `Enter 0 for a free course, or a price like 19.99 between ${range}`;
}

/** Integer minor units, never coerced: JSON must send a number; forms convert digit strings first (integerFromString). */
export const priceAmountSchema = z
  .number({ error: "Price must be a whole number of minor units (e.g. 1999 for 19.99)" })
  .int("Price must be a whole number of minor units (e.g. 1999 for 19.99)")
  .refine((v) => v === 0 || (v >= PRICE_MIN && v <= PRICE_MAX), {
    message: `Price must be 0 (free) or between ${PRICE_MIN} and ${PRICE_MAX} minor units`,
  });

const metadataFields = {
  title: trimmed("Title", TITLE_MIN, TITLE_MAX),
  description: trimmed("Description", DESCRIPTION_MIN, DESCRIPTION_MAX),
  category: z.enum(COURSE_CATEGORIES, { error: "Choose a category" }),
  level: z.enum(COURSE_LEVELS, { error: "Choose a level" }),
  language: z.enum(COURSE_LANGUAGES, { error: "Choose a language" }),
  priceAmount: priceAmountSchema,
  currency: currencySchema,
};

/** Course metadata, every field required (create, publish); the currency defaults to usd. */
export const courseMetadataSchema = z.strictObject({ ...metadataFields, currency: currencySchema.default("usd") });
export type CourseMetadata = z.infer<typeof courseMetadataSchema>;

/** Partial update of an existing course (no defaults: absent fields stay as they are). */
export const courseUpdateSchema = z.object(metadataFields).partial().strict();

export const moduleTitleSchema = z
  .string()
  .trim()
  .min(1, "Module title is required")
  .max(MODULE_TITLE_MAX, `Module title must be at most ${MODULE_TITLE_MAX} characters`);
