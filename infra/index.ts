/** Entry point of `pulumi up`: see program.ts. */
import { createStack } from "./program";

const { outputs } = createStack();

export const target = outputs.target;
export const tidbMysqlEndpoint = outputs.tidbMysqlEndpoint;
export const ticdcApiUrl = outputs.ticdcApiUrl;
export const kafkaBootstrapServers = outputs.kafkaBootstrapServers;
export const flinkRestUrl = outputs.flinkRestUrl;
export const flinkSqlGatewayUrl = outputs.flinkSqlGatewayUrl;
