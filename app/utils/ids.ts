import * as z from "zod";
import { now } from "./clock";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

export const ID_PREFIXES = {
  user: "usr",
  session: "ses",
  apiToken: "tok",
  audit: "aud",
  request: "req",
  payment: "pay",
  refund: "ref",
  subscription: "sub",
  course: "crs",
  license: "lic",
  email: "eml",
  module: "mod",
  enrollment: "enr",
  review: "rev",
  earning: "ern",
  payout: "po",
  learningEvent: "lev",
  subscriptionChange: "sbc",
  subscriptionStart: "sst",
  trialClaim: "trl",
  tokenEntry: "ttx",
  tokenHold: "thd",
  tokenAwardRequest: "tar",
  organization: "org",
  machine: "mch",
  licenseKey: "lky",
  signupConfirmation: "sgn",
  passwordReset: "pwr",
  dispute: "dsp",
  refundRequest: "rrq",
  coupon: "cpn",
  couponRedemption: "crd",
  invitation: "inv",
  bundle: "bdl",
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * Prefixed, time-sortable id: `usr_` + 10 chars of millisecond time + 16 random chars (ULID
 * layout). Ids made in the same millisecond by one isolate increase monotonically.
 */
export function createId(kind: IdKind): string {
  const time = now();
  let random: number[];
  if (time === lastTime) {
    random = increment(lastRandom);
  } else {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    random = Array.from(bytes, (b) => b & 31);
  }
  lastTime = time;
  lastRandom = random;
  let t = time;
  let timePart = "";
  for (let i = 0; i < 10; i++) {
    timePart = ALPHABET[t % 32] + timePart;
    t = Math.floor(t / 32);
  }
  return `${ID_PREFIXES[kind]}_${timePart}${random.map((n) => ALPHABET[n]).join("")}`;
}

function increment(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 31) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  return next;
}

/** Random URL-safe secret of `bytes` bytes, hex encoded. */
export function randomToken(bytes = 32): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A page cursor: the id of the last row seen, of one kind. Empty means "first page"; anything
 * that is not such an id is a 400 (never an empty page that hides the mistake).
 */
export function cursorSchema(kind: IdKind) {
  const pattern = new RegExp(`^${ID_PREFIXES[kind]}_[${ALPHABET}]{26}$`);
  return z
    .string()
    .optional()
    .transform((v) => v || undefined)
    .refine((v) => v === undefined || pattern.test(v), "Invalid cursor");
}
