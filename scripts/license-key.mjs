// Generates an Ed25519 license signing key pair (Node's WebCrypto) and prints or returns the
// private key as base64 PKCS8, the form LICENSE_SIGNING_KEY accepts besides a private JWK.
// `node scripts/license-key.mjs` prints a new key; npm start, the tests and the benches call it.
import { webcrypto } from "node:crypto";
import { pathToFileURL } from "node:url";

export async function generateLicenseSigningKey() {
  const pair = await webcrypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", pair.privateKey);
  return Buffer.from(pkcs8).toString("base64");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(await generateLicenseSigningKey());
}
