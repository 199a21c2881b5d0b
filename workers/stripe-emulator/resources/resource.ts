// Base of every emulated Stripe resource: it reaches the account (store, time, events) and the
// other resources through the Emulator, and declares its own routes.
import type { EmulatorCore, Route } from "../core";

export abstract class Resource {
  constructor(protected readonly em: EmulatorCore) {}

  protected get store() {
    return this.em.store;
  }

  abstract routes(route: Route): void;
}
