export { FlinkSessionCluster, type FlinkSessionClusterArgs } from "./cluster";
export { dockerFlinkConfig, kubernetesFlinkConfiguration, renderConfigYaml } from "./config";
export { dockerFlinkSpecs } from "./docker";
export { fetchJarsScript, mavenJarUrl, shellQuote } from "./jars";
export { flinkDeploymentManifest, sqlGatewayDeploymentManifest } from "./kubernetes";
