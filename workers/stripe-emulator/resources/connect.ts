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
      business_profile: { name: str(obj(p.business_profile).name) ?? null, url: str(obj(p.business_profile).url) ?? null },
      business_type: str(p.business_type) ?? null,
      capabilities: Object.fromEntries(requested.map((k) => [k, "inactive"])),
      charges_enabled: false,
      controller: { type: "application", is_controller: true },
      country: str(p.country) ?? "US",
      default_currency: (str(p.default_currency) ?? "usd").toLowerCase(),
      details_submitted: false,
      email: str(p.email) ?? null,
      metadata: metadataFrom({}, p.metadata),
      payouts_enabled: false,
      requirements: { currently_due: ["external_account", "tos_acceptance.date", "tos_acceptance.ip"], disabled_reason: "requirements.past_due", eventually_due: [], past_due: [] },
      settings: { payouts: { schedule: { interval: "daily", delay_days: 2 } } },
      type,
    };
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
    after.requirements = { currently_due: [], disabled_reason: null, eventually_due: [], past_due: [] };
    after.external_accounts = { object: "list", data: [{ id: newId("ba"), object: "bank_account", bank_name: "STRIPE TEST BANK", last4: "6789", currency: after.default_currency, country: after.country, default_for_currency: true }], has_more: false, url: `/v1/accounts/${after.id}/external_accounts` };
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
    if (sourceTransaction) this.em.load("charge", sourceTransaction, "charge", "source_transaction");
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
    const reversal = { ...this.em.base("trr", "transfer_reversal"), amount, balance_transaction: newId("txn"), currency: transfer.currency, metadata: metadataFrom({}, p.metadata), transfer: id };
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

declare module "../core" {
  interface Resources {
    readonly connect: Connect;
  }
}
