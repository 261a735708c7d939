/**
 * The program: stack config → pipeline → stack outputs. Kept apart from index.ts so tests can
 * run it under mocks and read its outputs.
 */
import { Pipeline } from "../components/pipeline";
import { loadStackConfig } from "./config";

export function createStack() {
    const { settings, tidbRootPassword } = loadStackConfig();
    const pipeline = new Pipeline(settings.namePrefix, { settings, tidbRootPassword });
    const { endpoints } = pipeline;
    return {
        pipeline,
        outputs: {
            target: settings.target,
            tidbMysqlEndpoint: endpoints.tidbMysqlEndpoint,
            ticdcApiUrl: endpoints.ticdcApiUrl,
            kafkaBootstrapServers: endpoints.kafkaBootstrapServers,
            flinkRestUrl: endpoints.flinkRestUrl,
            flinkSqlGatewayUrl: endpoints.flinkSqlGatewayUrl,
        },
    };
}
