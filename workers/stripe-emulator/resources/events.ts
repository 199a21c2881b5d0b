// Events as an API resource (list, retrieve). Events are raised by EmulatorCore.emit and delivered
// as signed webhooks by webhooks.ts.
import type { Route } from "../core";
import { list } from "../list";
import { Resource } from "./resource";

export class Events extends Resource {
  routes(r: Route) {
    r("GET", "/v1/events", (p) => list("/v1/events", this.store.all("event").filter((e) => p.type === undefined || e.type === p.type), p));
    r("GET", "/v1/events/:id", (_, [id]) => this.em.load("event", id!, "event"));
  }
}

declare module "../core" {
  interface Resources {
    readonly events: Events;
  }
}
