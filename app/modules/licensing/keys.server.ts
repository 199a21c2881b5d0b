import * as z from "zod";
import { AppError } from "~/utils/errors";

/*
 * License keys and offline license files (docs/licensing.md#key-format):
 *
 *   CMLK1.<base64url(JSON payload)>.<base64url(Ed25519 signature)>
 *
 * The signature covers the ASCII bytes before the last dot (`CMLK1.<payload>`). Offline license
 * files use the prefix CMLF1 and a payload that also lists the machines they cover. Anyone with
 * the public key (a JWK at GET /api/enterprise/licenses/public-key) can verify either offline.
 */

export const KEY_PREFIX = "CMLK1";
export const FILE_PREFIX = "CMLF1";
/** Longer strings are not keys we issue: refused as malformed before any decoding (still a 200 from validation). */
export const MAX_KEY_LENGTH = 4096;

export const keyPayloadSchema = z.object({
  v: z.literal(1),
  kid: z.string().min(1).max(64),
  licenseId: z.string().regex(/^lic_[0-9a-z]{26}$/),
  /** The license_keys row this key is (revocable on its own); absent on keys signed before per-key management (the "original key"). */
  keyId: z.string().regex(/^lky_[0-9a-z]{26}$/).optional(),
  organizationId: z.string().regex(/^org_[0-9a-z]{26}$/),
  tier: z.string().min(1).max(32),
  features: z.array(z.string().max(64)).max(64),
  maxSeats: z.number().int().nonnegative(),
  maxMachines: z.number().int().nonnegative(),
  issuedAt: z.number().int(),
  expiresAt: z.number().int(),
});
export type KeyPayload = z.infer<typeof keyPayloadSchema>;

export const filePayloadSchema = keyPayloadSchema.omit({ keyId: true }).extend({
  /** The file stops being valid at this time (never later than the license's expiry). */
  validUntil: z.number().int(),
  machines: z.array(z.object({ fingerprint: z.string(), name: z.string().nullable() })).max(10_000),
});
export type FilePayload = z.infer<typeof filePayloadSchema>;

export type PublicJwk = { kty: "OKP"; crv: "Ed25519"; x: string; kid: string; alg: "EdDSA"; use: "sig" };
export type SigningKeys = { privateKey: CryptoKey; publicKey: CryptoKey; publicJwk: PublicJwk; kid: string };

const ED25519 = { name: "Ed25519" } as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Strict base64url (no padding); null when the text is not base64url. */
export function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function base64Decode(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/\s+/g, ""));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** kid = first 16 characters of base64url(SHA-256(public key bytes)): stable for a key pair. */
async function keyId(x: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", base64UrlDecode(x)!);
  return base64UrlEncode(new Uint8Array(digest)).slice(0, 16);
}

const keysBySecret = new Map<string, Promise<SigningKeys>>();

/**
 * The signing key pair from LICENSE_SIGNING_KEY: a private JWK (JSON) or PKCS8 (PEM or bare
 * base64 DER). Imported once per isolate. Throws 503 when the secret is missing or unusable.
 */
export function signingKeys(secret: string | undefined): Promise<SigningKeys> {
  if (!secret) return Promise.reject(new AppError("upstream_unavailable", "License signing is not configured."));
  let keys = keysBySecret.get(secret);
  if (!keys) {
    keys = importSigningKey(secret).catch((error) => {
      keysBySecret.delete(secret);
      throw new AppError("upstream_unavailable", "License signing is not configured correctly.", { cause: error });
    });
    keysBySecret.set(secret, keys);
  }
  return keys;
}

async function importSigningKey(secret: string): Promise<SigningKeys> {
  const text = secret.trim();
  let privateKey: CryptoKey;
  if (text.startsWith("{")) {
    const jwk = JSON.parse(text) as JsonWebKey;
    privateKey = await crypto.subtle.importKey("jwk", jwk, ED25519, true, ["sign"]);
  } else {
    const der = base64Decode(text.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, ""));
    privateKey = await crypto.subtle.importKey("pkcs8", der, ED25519, true, ["sign"]);
  }
  const exported = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  if (!exported.x) throw new Error("the private key has no public part");
  const kid = await keyId(exported.x);
  const publicJwk: PublicJwk = { kty: "OKP", crv: "Ed25519", x: exported.x, kid, alg: "EdDSA", use: "sig" };
  const publicKey = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: exported.x }, ED25519, true, ["verify"]);
  return { privateKey, publicKey, publicJwk, kid };
}

async function signToken(keys: SigningKeys, prefix: string, payload: unknown): Promise<string> {
  const body = `${prefix}.${base64UrlEncode(encoder.encode(JSON.stringify(payload)))}`;
  const signature = await crypto.subtle.sign(ED25519, keys.privateKey, encoder.encode(body));
  return `${body}.${base64UrlEncode(new Uint8Array(signature))}`;
}

export function signLicenseKey(keys: SigningKeys, payload: Omit<KeyPayload, "v" | "kid">): Promise<string> {
  return signToken(keys, KEY_PREFIX, { v: 1, kid: keys.kid, ...payload });
}

export function signLicenseFile(keys: SigningKeys, payload: Omit<FilePayload, "v" | "kid">): Promise<string> {
  return signToken(keys, FILE_PREFIX, { v: 1, kid: keys.kid, ...payload });
}

export type VerifyResult<P> = { ok: true; payload: P } | { ok: false; reason: "malformed" | "bad_signature" | "unknown_key" };

/**
 * Checks format and signature with no I/O. Only after the signature holds is the payload parsed
 * (with zod), so a forged key never reaches the database or the cache.
 */
async function verifyToken<S extends z.ZodType>(
  publicKey: CryptoKey,
  kid: string,
  prefix: string,
  schema: S,
  token: string,
): Promise<VerifyResult<z.output<S>>> {
  if (typeof token !== "string" || token.length > MAX_KEY_LENGTH) return { ok: false, reason: "malformed" };
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== prefix) return { ok: false, reason: "malformed" };
  const payloadBytes = base64UrlDecode(parts[1]!);
  const signature = base64UrlDecode(parts[2]!);
  if (!payloadBytes || !signature || signature.length !== 64) return { ok: false, reason: "malformed" };
  const signed = encoder.encode(`${parts[0]}.${parts[1]}`);
  if (!(await crypto.subtle.verify(ED25519, publicKey, signature, signed))) return { ok: false, reason: "bad_signature" };
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(payloadBytes));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  if ((parsed.data as { kid: string }).kid !== kid) return { ok: false, reason: "unknown_key" };
  return { ok: true, payload: parsed.data };
}

/** Verified keys seen by this isolate (a forged key is never added), so repeat calls skip the crypto. */
const verifiedKeys = new Map<string, KeyPayload>();
const VERIFIED_CACHE_SIZE = 5000;

export async function verifyLicenseKey(keys: Pick<SigningKeys, "publicKey" | "kid">, key: string): Promise<VerifyResult<KeyPayload>> {
  const hit = verifiedKeys.get(key);
  if (hit && hit.kid === keys.kid) return { ok: true, payload: hit };
  const result = await verifyToken(keys.publicKey, keys.kid, KEY_PREFIX, keyPayloadSchema, key);
  if (result.ok) {
    if (verifiedKeys.size >= VERIFIED_CACHE_SIZE) verifiedKeys.delete(verifiedKeys.keys().next().value!);
    verifiedKeys.set(key, result.payload);
  }
  return result;
}

export function verifyLicenseFile(keys: Pick<SigningKeys, "publicKey" | "kid">, file: string): Promise<VerifyResult<FilePayload>> {
  return verifyToken(keys.publicKey, keys.kid, FILE_PREFIX, filePayloadSchema, file);
}
