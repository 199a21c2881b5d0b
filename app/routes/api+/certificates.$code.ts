import { findCertificate, publicCertificate } from "~/modules/marketplace/certificates.server";
import { api, methodNotAllowed } from "~/utils/api.server";
import { AppError } from "~/utils/errors";

/**
 * GET /api/certificates/:code — public verification of a certificate (no sign-in): valid or
 * revoked, with the learner's name, the course, the instructor and the dates; nothing else.
 */
export const loader = api(async ({ params, app }) => {
  const cert = await findCertificate(app, params.code ?? "");
  if (!cert) throw new AppError("not_found", "No certificate has this code. Check it against the certificate.");
  return { certificate: publicCertificate(cert) };
});

export const action = methodNotAllowed;
