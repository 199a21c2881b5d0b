import { type Case, json, routeMatrix } from "./matrix";

// Enterprise licensing. Add a row for every new route.
const CASES: Case[] = [
  // Enterprise licensing (docs/licensing.md). `other()` is an organization (and license) the caller is not in.
  { name: "GET /enterprise (no organization)", request: ({ browser }) => browser.fetch("/enterprise"), anonymous: 302, members: 200 },
  { name: "GET /enterprise (another organization)", request: async ({ browser, other }) => browser.fetch(`/enterprise?organizationId=${(await other()).organizationId}`), anonymous: 302, members: 404, admin: 200 },
  { name: "POST /enterprise (deactivate unknown machine)", request: ({ browser }) => browser.submit("/enterprise", { intent: "deactivate-machine", machineId: "mch_unknown" }), anonymous: 302, members: 404 },
  { name: "GET /admin/licenses", request: ({ browser }) => browser.fetch("/admin/licenses"), anonymous: 302, members: 403, admin: 200 },
  { name: "POST /admin/licenses (suspend another organization's)", request: async ({ browser, other }) => browser.submit("/admin/licenses", { intent: "change", licenseId: (await other()).licenseId, action: "suspend" }), anonymous: 302, members: 403, admin: 200 },
  { name: "POST /api/enterprise/licenses/create", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/create", json("POST", {})), anonymous: 401, members: 403, admin: 400 },
  { name: "GET /api/enterprise/licenses/:id (another organization's)", request: async ({ browser, other }) => browser.fetch(`/api/enterprise/licenses/${(await other()).licenseId}`), anonymous: 401, members: 404, admin: 200 },
  { name: "POST /api/enterprise/licenses/:id (suspend)", request: async ({ browser, other }) => browser.fetch(`/api/enterprise/licenses/${(await other()).licenseId}`, json("POST", { action: "suspend" })), anonymous: 401, members: 403, admin: 200 },
  { name: "GET /api/enterprise/licenses/:id/offline-file (another organization's)", request: async ({ browser, other }) => browser.fetch(`/api/enterprise/licenses/${(await other()).licenseId}/offline-file`), anonymous: 401, members: 404, admin: 200 },
  { name: "GET /api/enterprise/usage (no organization)", request: ({ browser }) => browser.fetch("/api/enterprise/usage"), anonymous: 401, members: 404 },
  { name: "GET /api/enterprise/usage (another organization)", request: async ({ browser, other }) => browser.fetch(`/api/enterprise/usage?organizationId=${(await other()).organizationId}`), anonymous: 401, members: 404, admin: 200 },
  {
    name: "POST /api/enterprise/branding (another organization)",
    request: async ({ browser, other }) => browser.fetch("/api/enterprise/branding", { method: "POST", body: new URLSearchParams({ organizationId: (await other()).organizationId, name: "Mine now" }) }),
    anonymous: 401,
    members: 404,
    admin: 200,
  },
  { name: "GET /api/enterprise/licenses/validate (key-authenticated)", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/validate?key=nope"), anonymous: 200, members: 200 },
  { name: "POST /api/enterprise/licenses/activate (bad key)", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/activate", json("POST", { key: "nope", fingerprint: "fp-00000001" })), anonymous: 403, members: 403 },
  { name: "POST /api/enterprise/licenses/deactivate (key and fingerprint: not enough)", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/deactivate", json("POST", { key: "nope", fingerprint: "fp-00000001" })), anonymous: 400, members: 400 },
  { name: "POST /api/enterprise/licenses/deactivate (unknown machine token)", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/deactivate", json("POST", { machineToken: `cmm_${"A".repeat(43)}` })), anonymous: 404, members: 404 },
  { name: "POST /api/enterprise/licenses/heartbeat (unknown machine token)", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/heartbeat", json("POST", { machineToken: `cmm_${"A".repeat(43)}` })), anonymous: 404, members: 404 },
  { name: "POST /api/enterprise/licenses/check-in (bad key)", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/check-in", json("POST", { key: "nope" })), anonymous: 403, members: 403 },
  { name: "GET /api/enterprise/licenses/:id/keys (another organization's)", request: async ({ browser, other }) => browser.fetch(`/api/enterprise/licenses/${(await other()).licenseId}/keys`), anonymous: 401, members: 404, admin: 200 },
  { name: "POST /api/enterprise/licenses/:id/keys (another organization's)", request: async ({ browser, other }) => browser.fetch(`/api/enterprise/licenses/${(await other()).licenseId}/keys`, json("POST", { label: "Mine now" })), anonymous: 401, members: 404, admin: 201 },
  {
    name: "POST /api/enterprise/licenses/:id/keys/original/revoke (another organization's)",
    request: async ({ browser, other }) => browser.fetch(`/api/enterprise/licenses/${(await other()).licenseId}/keys/original/revoke`, json("POST", {})),
    anonymous: 401,
    members: 404,
    admin: 200,
  },
  { name: "POST /enterprise (revoke a key of another organization)", request: async ({ browser, other }) => browser.submit("/enterprise", { intent: "revoke-key", licenseId: (await other()).licenseId, keyId: "original" }), anonymous: 302, members: 404, admin: 200 },
  { name: "GET /api/enterprise/licenses/public-key", request: ({ browser }) => browser.fetch("/api/enterprise/licenses/public-key"), anonymous: 200, members: 200 },
  { name: "GET /branding/:org/:file (unknown)", request: ({ browser }) => browser.fetch("/branding/org_00000000000000000000000000/0123456789abcdef.png"), anonymous: 404, members: 404 },
];

routeMatrix(CASES);
