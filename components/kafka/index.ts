export { KafkaCluster, type KafkaClusterArgs } from "./cluster";
export { STRIMZI_CHART, STRIMZI_NAMESPACE } from "./operator";
export { kafkaClusterId, zookeeperQuorum } from "./properties";
export {
    type ConfigChange,
    isKafkaAdminError,
    type KafkaAdmin,
    type KafkaAdminError,
    kafkaAdminError,
    type KafkaAdminErrorCode,
    type KafkaConnection,
    type KafkaSaslMechanism,
    kafkajsAdmin,
    type TopicDescription,
    type TopicSpec,
} from "./admin";
export {
    createKafkaTopicProvider,
    KafkaTopic,
    type KafkaConnectionArgs,
    type KafkaConnectionInputs,
    type KafkaSaslArgs,
    type KafkaTopicArgs,
    type KafkaTopicInputs,
    type KafkaTopicOutputs,
    kafkaTopicProvider,
} from "./topic";
