export { KafkaCluster, type KafkaClusterArgs } from "./cluster";
export { STRIMZI_CHART, STRIMZI_NAMESPACE } from "./operator";
export { kafkaClusterId, zookeeperQuorum } from "./properties";
