// Test clocks: customers created on a clock live at its frozen time; advancing it runs the due
// renewals, payment retries and period-end cancellations of their subscriptions in time order.
import { DAY } from "../../core";
import type { Route } from "../../core";
import { invalid } from "../../errors";
import type { Params } from "../../form";
import { filtered, list } from "../../list";
import { int, str } from "../../params";
import type { Obj } from "../../store";
import { Resource } from "../resource";

export class TestClocks extends Resource {
  create(p: Params) {
    const frozen = int(p, "frozen_time", { required: true })!;
    const clock = {
      ...this.em.base("clock", "test_helpers.test_clock"),
      deletes_after: this.em.realNow() + 30 * DAY,
      frozen_time: frozen,
      name: str(p.name) ?? null,
      status: "ready",
      status_details: {},
    };
    this.store.put(clock);
    this.em.emit("test_helpers.test_clock.created", clock);
    return clock;
  }

  /**
   * Like Stripe, an advance answers `advancing` (and emits test_helpers.test_clock.advancing); the
   * simulated work is done by then, and the clock is `ready` (test_helpers.test_clock.ready) from the
   * next request that reads it.
   */
  private settle() {
    for (const clock of this.store.all("test_helpers.test_clock")) {
      if (clock.status !== "advancing" || clock.deleted) continue;
      clock.status = "ready";
      clock.status_details = {};
      this.store.put(clock);
      this.em.emit("test_helpers.test_clock.ready", clock);
    }
  }

  retrieve(id: string) {
    this.settle();
    return this.em.load("test_helpers.test_clock", id, "test_helpers.test_clock");
  }

  advance(id: string, p: Params) {
    const clock = this.retrieve(id);
    const target = int(p, "frozen_time", { required: true })!;
    if (target <= clock.frozen_time) {
      throw invalid("frozen_time", `The test clock's frozen_time (${clock.frozen_time}) cannot be moved backwards or to the same time.`, "test_clock_advance_invalid");
    }
    // Disputes the bank opened since the last delivery (dispute test cards) open before time moves.
    this.em.disputes.open();
    const customers = new Set(this.store.where("customer", "$.test_clock", id).filter((c) => !c.deleted).map((c) => c.id));
    // Work through due renewals, retries and period ends in time order.
    for (let guard = 0; guard < 1000; guard++) {
      const subs = this.store.where("subscription", "$.test_clock", id).filter((s) => customers.has(s.customer) && !["canceled", "incomplete_expired"].includes(s.status));
      let next: { at: number; run: () => void } | null = null;
      for (const sub of subs) {
        // A paused subscription (a trial that ended without a payment method) does not bill on.
        if (sub.status === "paused") continue;
        const end = Math.min(...sub.items.data.map((i: Obj) => i.current_period_end));
        if (end <= target && (!next || end < next.at)) next = { at: end, run: () => this.em.subscriptions.reachPeriodEnd(sub.id, end) };
        // Three days before a trial ends (trials.ts): customer.subscription.trial_will_end.
        const willEnd = this.em.trials.willEndAt(sub);
        if (willEnd !== null && willEnd <= target && (!next || willEnd < next.at)) next = { at: willEnd, run: () => this.em.trials.sendWillEnd(sub.id) };
        for (const inv of this.store.where("invoice", "$.parent.subscription_details.subscription", sub.id)) {
          if (inv.status !== "open" || inv.next_payment_attempt === null) continue;
          const at = inv.next_payment_attempt as number;
          if (at <= target && inv.attempt_count > 0 && (!next || at < next.at)) next = { at, run: () => this.em.subscriptions.retryInvoice(sub.id, inv.id) };
        }
      }
      if (!next) break;
      this.em.clockNow = next.at;
      try {
        next.run();
      } finally {
        this.em.clockNow = null;
      }
    }
    clock.frozen_time = target;
    clock.status = "advancing";
    clock.status_details = { advancing: { target_frozen_time: target } };
    this.store.put(clock);
    this.em.emit("test_helpers.test_clock.advancing", clock);
    return clock;
  }

  delete(id: string) {
    const clock = this.retrieve(id);
    this.store.put({ ...clock, deleted: true });
    return { id, object: "test_helpers.test_clock", deleted: true };
  }

  routes(r: Route) {
    r("POST", "/v1/test_helpers/test_clocks", (p) => this.create(p));
    r("GET", "/v1/test_helpers/test_clocks", (p) => {
      this.settle();
      return list("/v1/test_helpers/test_clocks", filtered(this.store, "test_helpers.test_clock", p, []), p);
    });
    r("GET", "/v1/test_helpers/test_clocks/:id", (_, [id]) => this.retrieve(id!));
    r("POST", "/v1/test_helpers/test_clocks/:id/advance", (p, [id]) => this.advance(id!, p));
    r("DELETE", "/v1/test_helpers/test_clocks/:id", (_, [id]) => this.delete(id!));
  }
}

declare module "../../core" {
  interface Resources {
    readonly testClocks: TestClocks;
  }
}
