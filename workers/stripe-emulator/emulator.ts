// One emulated Stripe account in test mode: the route table over Stripe's resources, each in its
// own module under resources/ (customers, payment methods, payment intents and charges, refunds,
// checkout, billing, Connect, events), sharing the account state in EmulatorCore (core.ts).
import { EmulatorCore, type EmulatorOptions, type Handler, type Route } from "./core";
import { StripeError } from "./errors";
import { expand, omitIncludable } from "./expand";
import type { Params } from "./form";
import { arr } from "./params";
import { Balance } from "./resources/balance";
import { Invoices } from "./resources/billing/invoices";
import { Prices, Products } from "./resources/billing/products";
import { Subscriptions } from "./resources/billing/subscriptions";
import { TestClocks } from "./resources/billing/test-clocks";
import { Trials } from "./resources/billing/trials";
import { Checkout, type CheckoutForm } from "./resources/checkout";
import { Connect } from "./resources/connect";
import { Customers } from "./resources/customers";
import { Disputes } from "./resources/disputes";
import { Events } from "./resources/events";
import { PaymentIntents } from "./resources/payment-intents";
import { PaymentMethods } from "./resources/payment-methods";
import { Refunds } from "./resources/refunds";
import type { Store, Obj } from "./store";

export { API_VERSION, type EmulatorOptions, type Handler, type Route } from "./core";

export class Emulator extends EmulatorCore {
  readonly customers: Customers = new Customers(this);
  readonly paymentMethods: PaymentMethods = new PaymentMethods(this);
  readonly paymentIntents: PaymentIntents = new PaymentIntents(this);
  readonly refunds: Refunds = new Refunds(this);
  readonly disputes: Disputes = new Disputes(this);
  readonly checkout: Checkout = new Checkout(this);
  readonly products: Products = new Products(this);
  readonly prices: Prices = new Prices(this);
  readonly subscriptions: Subscriptions = new Subscriptions(this);
  readonly invoices: Invoices = new Invoices(this);
  readonly testClocks: TestClocks = new TestClocks(this);
  readonly trials: Trials = new Trials(this);
  readonly connect: Connect = new Connect(this);
  readonly balance: Balance = new Balance(this);
  readonly events: Events = new Events(this);
  private routes: [string, string, RegExp, Handler][] = [];

  constructor(store: Store, options: EmulatorOptions) {
    super(store, options);
    const route: Route = (method, path, handler) => {
      this.routes.push([method, path, new RegExp(`^${path.replace(/:(\w+)/g, "([^/]+)")}$`), handler]);
    };
    for (const resource of [
      this.customers,
      this.paymentMethods,
      this.paymentIntents,
      this.refunds,
      this.disputes,
      this.products,
      this.prices,
      this.subscriptions,
      this.invoices,
      this.testClocks,
      this.trials,
      this.checkout,
      this.connect,
      this.balance,
      this.events,
    ]) {
      resource.routes(route);
    }
  }

  async dispatch(method: string, path: string, params: Params, requestId: string, idempotencyKey: string | null): Promise<Obj> {
    this.requestId = requestId;
    this.idempotencyKey = idempotencyKey;
    for (const [m, template, re, handler] of this.routes) {
      const match = m === method ? re.exec(path) : null;
      if (match) {
        this.operation = `${m} ${template}`;
        const result = await handler(params, match.slice(1).map(decodeURIComponent));
        const paths = arr(params.expand).map(String);
        return omitIncludable(expand(this.store, structuredClone(result), paths), paths);
      }
    }
    throw new StripeError(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
  }

  /** Every operation served, as "METHOD /v1/path/:id". */
  operations() {
    return this.routes.map(([method, template]) => `${method} ${template}`);
  }

  /** The hosted Checkout page's Pay button. */
  completeCheckout(id: string, form: CheckoutForm) {
    return this.checkout.complete(id, form);
  }

  /** The hosted Checkout page's "Update total" button: the tax for the address entered. */
  previewCheckoutTax(id: string, form: CheckoutForm) {
    return this.checkout.previewTax(id, form);
  }

  /** The bank's side of the dispute test cards: opens the disputes scheduled since the last call. */
  openScheduledDisputes() {
    return this.disputes.open();
  }

  /** The hosted Connect onboarding page's submit. */
  completeOnboarding(linkId: string) {
    return this.connect.completeOnboarding(linkId);
  }
}
