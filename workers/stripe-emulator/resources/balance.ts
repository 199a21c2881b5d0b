// The platform account's balance, which limits Connect transfers. Simplified: every succeeded charge
// is available at once (Stripe test mode holds card funds as pending for a few days unless the
// charge used 4000 0000 0000 0077), no Stripe fees except dispute fees; refunds, destination-charge
// transfers, transfers (net of reversals) and disputes (amount and fee, less reinstatements) come off it.
import type { Route } from "../core";
import { Resource } from "./resource";

export class Balance extends Resource {
  /** Available platform funds per currency, in minor units. */
  available(): Record<string, number> {
    const totals: Record<string, number> = {};
    const add = (currency: string, amount: number) => (totals[currency] = (totals[currency] ?? 0) + amount);
    for (const charge of this.store.all("charge")) {
      if (charge.status !== "succeeded") continue;
      add(charge.currency, charge.amount - charge.amount_refunded);
      if (charge.transfer_data) add(charge.currency, -(charge.transfer_data.amount ?? charge.amount - (charge.application_fee_amount ?? 0)));
    }
    for (const transfer of this.store.all("transfer")) add(transfer.currency, -(transfer.amount - transfer.amount_reversed));
    // Disputes: the amount and fee withdrawn, less what a won dispute reinstated.
    for (const [currency, amount] of Object.entries(this.em.disputes.balanceEffect())) add(currency, amount);
    return totals;
  }

  retrieve() {
    const available = this.available();
    const currencies = Object.keys(available).length ? Object.keys(available) : ["usd"];
    return {
      object: "balance",
      available: currencies.map((currency) => ({ amount: available[currency] ?? 0, currency, source_types: { card: available[currency] ?? 0 } })),
      livemode: false,
      pending: currencies.map((currency) => ({ amount: 0, currency, source_types: { card: 0 } })),
    };
  }

  routes(r: Route) {
    r("GET", "/v1/balance", () => this.retrieve());
  }
}

declare module "../core" {
  interface Resources {
    readonly balance: Balance;
  }
}
