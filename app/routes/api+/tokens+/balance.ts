import { requireUserWithPermission } from "~/modules/auth/auth.server";
import { balanceView, getWallet } from "~/modules/tokens/ledger.server";
import { api, methodNotAllowed } from "~/utils/api.server";

/** GET /api/tokens/balance — balance, held tokens, streak (with the days it covers) and freezes. */
export const loader = api(async ({ request, app }) => {
  const user = await requireUserWithPermission(app, request, "read:tokens:own");
  return balanceView(await getWallet(app, user.id, request));
});

export const action = methodNotAllowed;
