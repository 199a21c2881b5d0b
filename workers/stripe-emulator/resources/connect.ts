// Connect: express accounts, account links with hosted onboarding, transfers and their reversals.
import type { Route } from "../core";
import { invalid, notFound, StripeError } from "../errors";
import type { Params } from "../form";
import { newId } from "../ids";
import { filtered, list } from "../list";
import { bool, int, metadataFrom, obj, requireStr, str } from "../params";
import type { Obj } from "../store";
import { Resource } from "./resource";

export class Connect extends Resource {
  createAccount(p: Params) {
    const type = str(p.type) ?? "express";
    const requested = Object.keys(obj(p.capabilities)).filter((k) => bool(obj(obj(p.capabilities)[k]).requested));
    const account = {
      id: newId("acct", 16),
      object: "account",
      created: this.em.realNow(),
      business_profile: {
        annual_revenue: null,
        estimated_worker_count: null,
        mcc: null,
        minority_owned_business_designation: null,
        name: str(obj(p.business_profile).name) ?? null,
        product_description: null,
        specified_commercial_transactions_act_url: null,
        support_address: null,
        support_email: null,
        support_phone: null,
        support_url: null,
        url: str(obj(p.business_profile).url) ?? null,
      },
      business_type: str(p.business_type) ?? null,
      capabilities: Object.fromEntries(requested.map((k) => [k, "inactive"])),
      charges_enabled: false,
      controller: { type: "application", is_controller: true },
      country: str(p.country) ?? "US",
      default_currency: (str(p.default_currency) ?? "usd").toLowerCase(),
      details_submitted: false,
      email: str(p.email) ?? null,
      external_accounts: { object: "list", data: [] as Obj[], has_more: false, url: "" },
      metadata: metadataFrom({}, p.metadata),
      payouts_enabled: false,
      requirements: requirements(["external_account", "tos_acceptance.date", "tos_acceptance.ip"], "requirements.past_due"),
      settings: {
        bacs_debit_payments: { display_name: null, service_user_number: null },
        branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
        card_issuing: { tos_acceptance: { date: null, ip: null } },
        card_payments: { decline_on: { avs_failure: false, cvc_failure: false }, statement_descriptor_prefix: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
        dashboard: { display_name: str(obj(p.business_profile).name) ?? null, timezone: "Etc/UTC" },
        invoices: { default_account_tax_ids: null, hosted_payment_method_save: "offer" },
        payments: { statement_descriptor: null, statement_descriptor_kana: null, statement_descriptor_kanji: null, statement_descriptor_prefix_kana: null, statement_descriptor_prefix_kanji: null },
        payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: "daily" }, statement_descriptor: null },
        sepa_debit_payments: {},
      },
      type,
    };
    account.external_accounts.url = `/v1/accounts/${account.id}/external_accounts`;
    if (!["express", "custom", "standard"].includes(type)) throw invalid("type", "Invalid type: must be one of custom, express, or standard");
    this.store.put(account);
    this.em.emit("account.updated", account);
    return account;
  }

  updateAccount(id: string, p: Params) {
    const before = this.em.load("account", id, "account", "account");
    const after = structuredClone(before);
    if (p.email !== undefined) after.email = str(p.email) || null;
    if (p.metadata !== undefined) after.metadata = metadataFrom(after.metadata, p.metadata);
    return this.em.saveUpdated("account.updated", before, after);
  }

  deleteAccount(id: string) {
    const account = this.em.load("account", id, "account", "account");
    this.store.put({ ...account, deleted: true });
    return { id, object: "account", deleted: true };
  }

  createAccountLink(p: Params) {
    const accountId = requireStr(p, "account");
    this.em.load("account", accountId, "account", "account");
    const type = requireStr(p, "type");
    const linkId = newId("acctlink", 16);
    this.store.kvSet(`account_link:${linkId}`, {
      account: accountId,
      return_url: str(p.return_url) ?? null,
      refresh_url: str(p.refresh_url) ?? null,
      expires_at: this.em.realNow() + 300,
    });
    return { object: "account_link", created: this.em.realNow(), expires_at: this.em.realNow() + 300, url: `${this.em.options.publicBase}/c/setup/${this.em.options.namespace}/${linkId}`, type };
  }

  /** The hosted onboarding page's submit: the account can take charges, payouts and transfers. */
  completeOnboarding(linkId: string) {
    const link = this.store.kvGet<Obj>(`account_link:${linkId}`);
    if (!link) throw notFound("account link", linkId);
    const before = this.em.load("account", link.account, "account");
    const after = structuredClone(before);
    after.details_submitted = true;
    after.charges_enabled = true;
    after.payouts_enabled = true;
    after.capabilities = Object.fromEntries(Object.keys({ transfers: 1, ...after.capabilities }).map((k) => [k, "active"]));
    after.requirements = requirements([], null);
    after.external_accounts = {
      object: "list",
      data: [
        {
          id: newId("ba"),
          object: "bank_account",
          account: after.id,
          account_holder_name: null,
          account_holder_type: null,
          account_type: null,
          available_payout_methods: ["standard"],
          bank_name: "STRIPE TEST BANK",
          country: after.country,
          currency: after.default_currency,
          default_for_currency: true,
          fingerprint: newId("fp", 16).slice(3),
          last4: "6789",
          metadata: {},
          routing_number: "110000000",
          status: "new",
        },
      ],
      has_more: false,
      url: `/v1/accounts/${after.id}/external_accounts`,
    };
    this.em.saveUpdated("account.updated", before, after);
    this.store.kvDelete(`account_link:${linkId}`);
    return { account: after, returnUrl: link.return_url as string | null };
  }

  createTransfer(p: Params) {
    const amount = int(p, "amount", { required: true, min: 1 })!;
    const currency = requireStr(p, "currency").toLowerCase();
    const destination = requireStr(p, "destination");
    const account = this.store.get(destination);
    if (!account || account.object !== "account") {
      throw new StripeError(400, "invalid_request_error", `No such destination: '${destination}'`, { code: "resource_missing", param: "destination" });
    }
    if (account.capabilities?.transfers !== "active") {
      throw new StripeError(400, "invalid_request_error", "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments", { code: "insufficient_capabilities_for_transfer", param: "destination" });
    }
    const sourceTransaction = str(p.source_transaction) ?? null;
    if (sourceTransaction) {
      // Funds of that charge are used (even while not yet available), up to what is left of it.
      const charge = this.em.load("charge", sourceTransaction, "charge", "source_transaction");
      const used = this.store.all("transfer").filter((t) => t.source_transaction === charge.id).reduce((s, t) => s + t.amount - t.amount_reversed, 0);
      if (charge.status !== "succeeded" || amount > charge.amount - charge.amount_refunded - used) {
        throw invalid("amount", `Transfer amount (${amount}) is greater than the amount left on source_transaction ${charge.id}.`, "amount_too_large");
      }
    } else if (!this.em.options.unlimitedPlatformBalance && amount > (this.em.balance.available()[currency] ?? 0)) {
      throw new StripeError(400, "invalid_request_error", "You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Charges using the 4000000000000077 test card. See: https://stripe.com/docs/testing#available-balance", { code: "balance_insufficient" });
    }
    const transfer = {
      ...this.em.base("tr", "transfer"),
      amount,
      amount_reversed: 0,
      balance_transaction: newId("txn"),
      currency,
      description: str(p.description) ?? null,
      destination,
      destination_payment: newId("py"),
      metadata: metadataFrom({}, p.metadata),
      reversals: { object: "list", data: [] as Obj[], has_more: false, total_count: 0, url: "" },
      reversed: false,
      source_transaction: sourceTransaction,
      source_type: "card",
      transfer_group: str(p.transfer_group) ?? null,
    };
    transfer.reversals.url = `/v1/transfers/${transfer.id}/reversals`;
    this.store.put(transfer);
    this.em.emit("transfer.created", transfer);
    return transfer;
  }

  reverseTransfer(id: string, p: Params) {
    const transfer = this.em.load("transfer", id, "transfer");
    const remaining = transfer.amount - transfer.amount_reversed;
    const amount = int(p, "amount", { min: 1 }) ?? remaining;
    if (amount > remaining) throw invalid("amount", `Transfer reversal amount (${amount}) is greater than the unreversed amount (${remaining}).`, "amount_too_large");
    const reversal = {
      ...this.em.base("trr", "transfer_reversal"),
      amount,
      balance_transaction: newId("txn"),
      currency: transfer.currency,
      destination_payment_refund: null,
      metadata: metadataFrom({}, p.metadata),
      source_refund: null,
      transfer: id,
    };
    const before = structuredClone(transfer);
    transfer.amount_reversed += amount;
    transfer.reversed = transfer.amount_reversed === transfer.amount;
    transfer.reversals.data.unshift(reversal);
    transfer.reversals.total_count += 1;
    this.store.put(transfer);
    this.em.emit("transfer.reversed", transfer, this.em.diff(before, transfer));
    return reversal;
  }

  routes(r: Route) {
    r("POST", "/v1/accounts", (p) => this.createAccount(p));
    r("GET", "/v1/accounts", (p) => list("/v1/accounts", filtered(this.store, "account", p, []), p));
    r("GET", "/v1/accounts/:id", (_, [id]) => this.em.load("account", id!, "account", "account"));
    r("POST", "/v1/accounts/:id", (p, [id]) => this.updateAccount(id!, p));
    r("DELETE", "/v1/accounts/:id", (_, [id]) => this.deleteAccount(id!));
    r("POST", "/v1/account_links", (p) => this.createAccountLink(p));
    r("POST", "/v1/transfers", (p) => this.createTransfer(p));
    r("GET", "/v1/transfers", (p) => list("/v1/transfers", filtered(this.store, "transfer", p, ["destination", "transfer_group"]), p));
    r("GET", "/v1/transfers/:id", (_, [id]) => this.em.load("transfer", id!, "transfer"));
    r("POST", "/v1/transfers/:id/reversals", (p, [id]) => this.reverseTransfer(id!, p));
  }
}

/** An account's `requirements` (what Stripe still needs before charges and payouts). */
function requirements(currentlyDue: string[], disabledReason: string | null) {
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: currentlyDue,
    disabled_reason: disabledReason,
    errors: [],
    eventually_due: [],
    past_due: [],
    pending_verification: [],
  };
}

declare module "../core" {
  interface Resources {
    readonly connect: Connect;
  }
}
