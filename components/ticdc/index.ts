export * from "./changefeed";
export * from "./client";
export * from "./eligibility";
export * from "./sink";
