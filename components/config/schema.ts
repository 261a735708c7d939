/**
 * The stack configuration: one typed schema for the whole pipeline.
 *
 * The schema checks the shape of every field (types, ranges, patterns) and fills defaults; the
 * cross-field rules in `rules.ts` then check what only makes sense together (Kafka mode vs
 * version, target vs operator support, ports, HA). Nothing here touches Pulumi, so it is tested
 * as plain data.
 */
import { z } from "zod";

/** Kubernetes resource quantity ("10Gi", "512Mi", "500m", "2"). */
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/;
/** Flink memory size ("1600m", "2g", "1728mb"). */
const FLINK_MEMORY = /^[0-9]+(b|k|kb|m|mb|g|gb)$/i;
/** RFC 1035 label: what Kubernetes and Docker both accept as a name part. */
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** TiCDC changefeed ids (TiCDC's own rule). */
export const CHANGEFEED_ID = /^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$/;
/** `schema.table`; `*` is allowed as the table part, as in TiCDC filter rules. */
const TABLE_REF = /^[A-Za-z0-9_$]+\.([A-Za-z0-9_$]+|\*)$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:[0-9]{1,5}$/;
const SHA256 = /^[a-f0-9]{64}$/;

const quantity = (example: string) =>
    z.string().regex(QUANTITY, `must be a Kubernetes quantity such as "${example}"`);
const flinkMemory = z
    .string()
    .regex(FLINK_MEMORY, 'must be a Flink memory size such as "1600m" or "2g"');
const replicas = (max: number) =>
    z
        .number()
        .int("must be a whole number")
        .min(1, "must be at least 1")
        .max(max, `must be at most ${max}`);
const port = z
    .number()
    .int("must be a whole number")
    .min(1024, "must be an unprivileged port (1024-65535)")
    .max(65535, "must be at most 65535");
const httpUrl = z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be an http(s) URL such as "http://ticdc:8300"');

const resources = z.strictObject({
    cpu: quantity("500m").optional(),
    memory: quantity("2Gi").optional(),
});

const storageComponent = (defaultReplicas: number, defaultStorage: string, max = 9) =>
    z
        .strictObject({
            replicas: replicas(max).default(defaultReplicas),
            storage: quantity("10Gi").default(defaultStorage),
            resources: resources.optional(),
        })
        .prefault({});

const statelessComponent = (max = 16) =>
    z
        .strictObject({
            replicas: replicas(max).default(1),
            resources: resources.optional(),
        })
        .prefault({});

export const TIDB_DEFAULT_VERSION = "v8.5.7";

const tidbExternal = z.strictObject({
    host: z.string().min(1, "must name the TiDB host"),
    port: port.default(4000),
    user: z.string().min(1).default("root"),
    ticdcApiUrl: httpUrl,
});

const tidbSettings = z
    .strictObject({
        external: tidbExternal.optional(),
        version: z
            .string()
            .regex(
                /^v8\.5\.[0-9]+$/,
                `must be a TiDB v8.5.x version such as "${TIDB_DEFAULT_VERSION}"`,
            )
            .default(TIDB_DEFAULT_VERSION),
        pd: storageComponent(1, "10Gi"),
        tikv: storageComponent(1, "50Gi", 64),
        tidb: statelessComponent(),
        ticdc: storageComponent(1, "10Gi", 16),
    })
    .prefault({});

export const KAFKA_DEFAULT_VERSION = { kraft: "4.3.1", zookeeper: "3.9.2" } as const;
export const ZOOKEEPER_DEFAULT_VERSION = "3.9.5";

const kafkaExternal = z.strictObject({
    bootstrapServers: z
        .array(z.string().regex(HOST_PORT, 'must be "host:port"'))
        .min(1, "must list at least one broker"),
});

const kafkaSettings = z
    .strictObject({
        external: kafkaExternal.optional(),
        mode: z.enum(["kraft", "zookeeper"]).default("kraft"),
        /** Defaults by mode: KAFKA_DEFAULT_VERSION. */
        version: z
            .string()
            .regex(
                /^(3\.9|4\.[0-9]+)\.[0-9]+$/,
                'must be a Kafka 3.9.x or 4.x version such as "4.3.1"',
            )
            .optional(),
        brokers: storageComponent(1, "20Gi", 32),
        zookeeper: z
            .strictObject({
                version: z
                    .string()
                    .regex(
                        /^3\.[89]\.[0-9]+$/,
                        'must be a ZooKeeper 3.8.x or 3.9.x version such as "3.9.5"',
                    )
                    .default(ZOOKEEPER_DEFAULT_VERSION),
                replicas: replicas(7).default(1),
                storage: quantity("5Gi").default("5Gi"),
            })
            .prefault({}),
        /** Broker `message.max.bytes`; TiCDC's `max-message-bytes` must not exceed the topic limit. */
        messageMaxBytes: z
            .number()
            .int()
            .min(1048588, "must be at least Kafka's default of 1048588")
            .max(104857600, "must be at most 100 MiB, TiCDC's ceiling")
            .default(10485760),
        autoCreateTopics: z.boolean().default(false),
    })
    .prefault({});

export const FLINK_DEFAULT_VERSION = "2.2.1";

const mavenArtifact = z.strictObject({
    groupId: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+$/, 'must be a Maven groupId such as "org.apache.flink"'),
    artifactId: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a Maven artifactId"),
    version: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a Maven version"),
    sha256: z.string().regex(SHA256, "must be the jar's SHA-256 as 64 lower-case hex digits"),
});
export type MavenArtifact = z.infer<typeof mavenArtifact>;

const flinkExternal = z.strictObject({
    restUrl: httpUrl,
    sqlGatewayUrl: httpUrl,
    /** Where stop-with-savepoint writes (a URI the JobManager can reach, e.g. s3://… or file:///…). */
    savepointDir: z
        .string()
        .regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/, 'must be a URI such as "s3://bucket/savepoints"')
        .optional(),
});

const flinkSettings = z
    .strictObject({
        external: flinkExternal.optional(),
        version: z
            .string()
            .regex(
                /^(1\.20|2\.[0-9]+)\.[0-9]+$/,
                `must be Flink 1.20.x or 2.x such as "${FLINK_DEFAULT_VERSION}"`,
            )
            .default(FLINK_DEFAULT_VERSION),
        jobManager: z
            .strictObject({
                replicas: replicas(3).default(1),
                memory: flinkMemory.default("1600m"),
                cpu: z.number().positive("must be positive").default(1),
            })
            .prefault({}),
        taskManager: z
            .strictObject({
                replicas: replicas(64).default(1),
                slots: z.number().int().min(1, "must be at least 1").max(64).default(2),
                memory: flinkMemory.default("1728m"),
                cpu: z.number().positive("must be positive").default(1),
            })
            .prefault({}),
        sqlGateway: z.strictObject({ replicas: replicas(4).default(1) }).prefault({}),
        /** Connector jars; default: the Kafka SQL connector matching the Flink version. */
        connectors: z.array(mavenArtifact).optional(),
        highAvailability: z.enum(["none", "zookeeper", "kubernetes"]).default("none"),
        /**
         * Checkpoints, savepoints and HA metadata. On Kubernetes a claim every JobManager and
         * TaskManager mounts, hence ReadWriteMany by default (ReadWriteOnce pins them to one node).
         */
        state: z
            .strictObject({
                storage: quantity("10Gi").default("10Gi"),
                accessMode: z.enum(["ReadWriteMany", "ReadWriteOnce"]).default("ReadWriteMany"),
                storageClassName: z.string().min(1).optional(),
            })
            .prefault({}),
        /** Where connector jars are downloaded from at start (a Maven Central mirror works too). */
        mavenRepository: httpUrl.default("https://repo1.maven.org/maven2"),
    })
    .prefault({});

const replicationSettings = z
    .strictObject({
        changefeedId: z
            .string()
            .max(128, "must be at most 128 characters")
            .regex(
                CHANGEFEED_ID,
                'must be letters and digits in dash-separated groups, such as "orders-to-kafka"',
            )
            .optional(),
        tables: z
            .array(z.string().regex(TABLE_REF, 'must be "schema.table" (or "schema.*")'))
            .default([]),
        protocol: z.enum(["canal-json"]).default("canal-json"),
        topicPartitions: z.number().int().min(1).max(1024).default(3),
        /** Default: min(3, broker count). */
        topicReplicationFactor: z.number().int().min(1).max(32).optional(),
    })
    .prefault({});

/** Host ports the lab publishes on 127.0.0.1 (the rules check them for clashes). */
export const DOCKER_HOST_PORT_DEFAULTS = {
    pd: 2379,
    tidb: 4000,
    ticdc: 8300,
    kafka: 29092,
    zookeeper: 2181,
    flinkRest: 8081,
    sqlGateway: 8083,
} as const;

/** A Flink SQL identifier (table, column, job): letters, digits, underscores. */
const SQL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const sqlName = z
    .string()
    .regex(SQL_NAME, "must be a SQL identifier: a letter or _, then letters, digits or _");

const flinkSqlSettings = z
    .strictObject({
        /**
         * Tables declared in the session cluster. `from: "schema.table"` makes a canal-json Kafka
         * source over that replicated table's topic; otherwise `options` are the WITH options.
         */
        tables: z
            .array(
                z.strictObject({
                    name: sqlName,
                    columns: z
                        .array(
                            z.strictObject({
                                name: sqlName,
                                type: z.string().min(1, "must be a Flink SQL type such as BIGINT"),
                                nullable: z.boolean().default(true),
                            }),
                        )
                        .min(1, "a table needs at least one column"),
                    primaryKey: z.array(sqlName).optional(),
                    from: z
                        .string()
                        .regex(TABLE_REF, 'must be a replicated table "schema.table"')
                        .optional(),
                    options: z.record(z.string(), z.string()).default({}),
                }),
            )
            .default([]),
        /** Streaming INSERT jobs over those tables, each stopped with a savepoint on change. */
        jobs: z
            .array(
                z.strictObject({
                    name: z
                        .string()
                        .regex(DNS_LABEL, 'must be a lower-case name such as "orders-to-sink"'),
                    statement: z
                        .string()
                        .regex(
                            /^\s*(INSERT\s|EXECUTE\s+STATEMENT\s+SET)/i,
                            "must be one INSERT INTO … statement (or a STATEMENT SET)",
                        ),
                    parallelism: z.number().int().min(1).max(1024).optional(),
                    stopped: z.boolean().default(false),
                }),
            )
            .default([]),
    })
    .prefault({});

/**
 * `pulumi destroy` of dynamic resources whose service no longer answers (README, "Tearing down a
 * lab whose parts are gone"). `forgetUnreachable` unset: true for services the stack manages on
 * docker (a lab's services live and die with it), false for external ones and on kubernetes
 * (components/pipeline/teardown.ts).
 */
const teardownSettings = z
    .strictObject({
        forgetUnreachable: z
            .boolean(
                "must be true or false: true drops topics, changefeeds and Flink SQL tables and jobs from the state when their service does not answer on delete (pulumi config set --path teardown.forgetUnreachable true)",
            )
            .optional(),
    })
    .prefault({});

const dockerSettings = z
    .strictObject({
        hostPorts: z
            .strictObject({
                pd: port.default(DOCKER_HOST_PORT_DEFAULTS.pd),
                tidb: port.default(DOCKER_HOST_PORT_DEFAULTS.tidb),
                ticdc: port.default(DOCKER_HOST_PORT_DEFAULTS.ticdc),
                kafka: port.default(DOCKER_HOST_PORT_DEFAULTS.kafka),
                zookeeper: port.default(DOCKER_HOST_PORT_DEFAULTS.zookeeper),
                flinkRest: port.default(DOCKER_HOST_PORT_DEFAULTS.flinkRest),
                sqlGateway: port.default(DOCKER_HOST_PORT_DEFAULTS.sqlGateway),
            })
            .prefault({}),
        /** Image references; the official images by default (look-alikes in tests). */
        images: z
            .strictObject({
                pd: z.string().min(1).optional(),
                tikv: z.string().min(1).optional(),
                tidb: z.string().min(1).optional(),
                ticdc: z.string().min(1).optional(),
                zookeeper: z.string().min(1).optional(),
                kafka: z.string().min(1).optional(),
                flink: z.string().min(1).optional(),
            })
            .prefault({}),
    })
    .prefault({});

const kubernetesSettings = z
    .strictObject({
        namespace: z
            .string()
            .max(63)
            .regex(DNS_LABEL, 'must be a DNS label such as "cdc-pipeline"')
            .default("cdc-pipeline"),
        createNamespace: z.boolean().default(true),
        storageClassName: z.string().min(1).optional(),
        /**
         * Render mode: every Kubernetes object is written as YAML into this directory (the
         * kubernetes provider's renderYamlToDirectory) instead of being applied; no cluster is
         * contacted. What only a live cluster or service can take is left out (see pipeline.ts).
         */
        renderYamlToDirectory: z
            .string()
            .min(1, 'must be a directory path such as "rendered/prod"')
            .optional(),
        operators: z
            .strictObject({
                install: z.boolean().default(true),
                tidbOperatorVersion: z
                    .string()
                    .regex(/^v2\.[0-9]+\.[0-9]+$/, 'must be a v2.x version such as "v2.0.1"')
                    .default("v2.0.1"),
                strimziVersion: z
                    .string()
                    .regex(/^[0-9]+\.[0-9]+\.[0-9]+$/, 'must be a version such as "1.2.0"')
                    .default("1.2.0"),
                flinkOperatorVersion: z
                    .string()
                    .regex(/^1\.[0-9]+\.[0-9]+$/, 'must be a version such as "1.15.0"')
                    .default("1.15.0"),
            })
            .prefault({}),
    })
    .prefault({});

export const stackSettingsSchema = z.strictObject({
    target: z.enum(["docker", "kubernetes"], 'must be "docker" (lab) or "kubernetes"'),
    namePrefix: z
        .string()
        .max(20, "must be at most 20 characters (it prefixes every resource name)")
        .regex(DNS_LABEL, 'must be a lower-case DNS label such as "cdc"')
        .default("cdc"),
    /** Protect stateful resources from `pulumi destroy`; default: true on kubernetes, false on docker. */
    protectStorage: z.boolean().optional(),
    tidb: tidbSettings,
    kafka: kafkaSettings,
    flink: flinkSettings,
    replication: replicationSettings,
    flinkSql: flinkSqlSettings,
    teardown: teardownSettings,
    docker: dockerSettings,
    kubernetes: kubernetesSettings,
});

/** The configuration as written by the user (before defaults). */
export type StackSettingsInput = z.input<typeof stackSettingsSchema>;
/** The configuration after schema defaults, before derived defaults. */
export type ParsedStackSettings = z.output<typeof stackSettingsSchema>;

/** The top-level config keys this program reads (each a `<project>:<key>` entry). */
export const STACK_CONFIG_KEYS = Object.keys(
    stackSettingsSchema.shape,
) as (keyof ParsedStackSettings)[];
