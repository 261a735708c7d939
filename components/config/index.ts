export * from "./schema";
export * from "./settings";
export { FLINK_OPERATOR_LINES, STRIMZI_KAFKA_LINES } from "./rules";
export type { SecretPresence, SettingsIssue } from "./rules";
export * from "./replication";
