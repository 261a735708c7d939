export { FlinkSessionCluster, type FlinkSessionClusterArgs } from "./cluster";
export { dockerFlinkConfig, kubernetesFlinkConfiguration, renderConfigYaml } from "./config";
export { dockerFlinkSpecs } from "./docker";
export { fetchJarsScript, mavenJarUrl, shellQuote } from "./jars";
export { flinkDeploymentManifest, sqlGatewayDeploymentManifest } from "./kubernetes";
export {
    cancelJob,
    closeSession,
    executeStatement,
    findJobsByName,
    type FlinkSqlError,
    getJob,
    isFlinkSqlError,
    openSession,
    stopWithSavepoint,
    summarizeJavaError,
    waitForJobRunning,
    withSession,
} from "./gateway";
export {
    canalJsonKafkaSourceOptions,
    canonicalType,
    type FlinkColumn,
    type FlinkSqlDefinitionError,
    type FlinkTableDefinition,
    type FlinkWatermark,
    isDefinitionError,
    parseJobStatement,
    quoteIdentifier,
    quoteString,
    renderCreateTable,
} from "./sql";
export { FlinkSqlJob, type FlinkSqlJobArgs, type FlinkSqlJobOutputs } from "./sql-job";
export {
    type FlinkCatalog,
    FlinkSqlTable,
    type FlinkSqlTableArgs,
    type FlinkSqlTableOutputs,
} from "./sql-table";
