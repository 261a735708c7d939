export * from "./schema";
export * from "./settings";
export type { SecretPresence, SettingsIssue } from "./rules";
export * from "./replication";
