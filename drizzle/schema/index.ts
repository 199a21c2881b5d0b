export * from "./auth";
export * from "./audit";
export * from "./email";
export * from "./payments";
export * from "./marketplace";
export * from "./subscriptions";
export * from "./tokens";
export * from "./licensing";
