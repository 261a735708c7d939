import { describe, expect, it } from "vitest";
import { ConfigError, formatIssues, parseStackSettings } from "../../components/config";

function problems(raw: unknown, secrets = { tidbRootPassword: false }): string {
    try {
        parseStackSettings(raw, secrets);
    } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
    }
    throw new Error("expected the configuration to be rejected");
}

describe("parseStackSettings: defaults", () => {
    it("fills a complete docker lab from just the target", () => {
        const s = parseStackSettings({ target: "docker" });
        expect(s.namePrefix).toBe("cdc");
        expect(s.protectStorage).toBe(false);
        expect(s.tidb.version).toBe("v8.5.7");
        expect(s.tidb.pd).toEqual({ replicas: 1, storage: "10Gi" });
        expect(s.kafka).toMatchObject({
            mode: "kraft",
            version: "4.3.1",
            messageMaxBytes: 10485760,
            autoCreateTopics: false,
        });
        expect(s.flink.version).toBe("2.2.1");
        expect(s.flink.connectors).toEqual([
            expect.objectContaining({
                artifactId: "flink-sql-connector-kafka",
                version: "5.0.0-2.2",
            }),
        ]);
        expect(s.replication).toMatchObject({
            changefeedId: "cdc-to-kafka",
            topicReplicationFactor: 1,
            protocol: "canal-json",
        });
        expect(s.docker.hostPorts).toMatchObject({ tidb: 4000, ticdc: 8300, kafka: 29092 });
    });

    it("protects storage on kubernetes unless told otherwise", () => {
        const k8s = { target: "kubernetes" };
        expect(parseStackSettings(k8s, { tidbRootPassword: true }).protectStorage).toBe(true);
        expect(
            parseStackSettings({ ...k8s, protectStorage: false }, { tidbRootPassword: true })
                .protectStorage,
        ).toBe(false);
    });

    it("derives the Kafka version from the mode and the replication factor from the brokers", () => {
        const zk = parseStackSettings({
            target: "docker",
            kafka: { mode: "zookeeper", brokers: { replicas: 5 } },
        });
        expect(zk.kafka.version).toBe("3.9.2");
        expect(zk.replication.topicReplicationFactor).toBe(3);
    });

    it("accepts external components without provisioning settings", () => {
        const s = parseStackSettings({
            target: "docker",
            tidb: { external: { host: "tidb.example", ticdcApiUrl: "http://ticdc.example:8300" } },
            kafka: { external: { bootstrapServers: ["k1:9092", "k2:9092"] } },
            flink: { external: { restUrl: "http://jm:8081", sqlGatewayUrl: "http://gw:8083" } },
        });
        expect(s.tidb.external).toEqual({
            host: "tidb.example",
            port: 4000,
            user: "root",
            ticdcApiUrl: "http://ticdc.example:8300",
        });
        expect(s.kafka.external?.bootstrapServers).toHaveLength(2);
    });
});

describe("parseStackSettings: the bad-config battery", () => {
    const cases: [string, unknown, RegExp][] = [
        ["missing target", {}, /target = \(not set\): must be "docker" \(lab\) or "kubernetes"/],
        ["unknown target", { target: "nomad" }, /target = "nomad"/],
        ["misspelt field", { target: "docker", kafak: {} }, /unknown field\(s\) "kafak"/],
        [
            "misspelt nested field",
            { target: "docker", tidb: { pd: { replica: 3 } } },
            /tidb\.pd = .*unknown field\(s\) "replica"|tidb\.pd .*"replica"/,
        ],
        [
            "TiDB outside v8.5",
            { target: "docker", tidb: { version: "v7.5.0" } },
            /tidb\.version = "v7\.5\.0": must be a TiDB v8\.5\.x version/,
        ],
        [
            "even PD quorum",
            { target: "docker", tidb: { pd: { replicas: 2 } } },
            /tidb\.pd\.replicas = 2: PD is a Raft group and needs an odd size/,
        ],
        [
            "zero TiKV",
            { target: "docker", tidb: { tikv: { replicas: 0 } } },
            /tidb\.tikv\.replicas = 0: must be at least 1/,
        ],
        [
            "fractional replicas",
            { target: "docker", kafka: { brokers: { replicas: 1.5 } } },
            /kafka\.brokers\.replicas = 1\.5: must be a whole number/,
        ],
        [
            "bad storage quantity",
            { target: "docker", tidb: { tikv: { storage: "lots" } } },
            /tidb\.tikv\.storage = "lots": must be a Kubernetes quantity/,
        ],
        [
            "ZooKeeper mode on Kafka 4",
            { target: "docker", kafka: { mode: "zookeeper", version: "4.3.1" } },
            /kafka\.version = "4\.3\.1": Kafka 4\.3\.1 has no ZooKeeper mode/,
        ],
        [
            "ZooKeeper mode on kubernetes",
            { target: "kubernetes", kafka: { mode: "zookeeper" } },
            /kafka\.mode = "zookeeper": Strimzi .* runs KRaft only/,
        ],
        [
            "Kafka line Strimzi lacks",
            { target: "kubernetes", kafka: { version: "4.0.2" } },
            /kafka\.version = "4\.0\.2": Strimzi 1\.2 supports Kafka 4\.2\.x and 4\.3\.x only/,
        ],
        [
            "even ZooKeeper ensemble",
            { target: "docker", kafka: { mode: "zookeeper", zookeeper: { replicas: 2 } } },
            /kafka\.zookeeper\.replicas = 2: a ZooKeeper ensemble needs an odd size/,
        ],
        [
            "ZooKeeper settings in KRaft mode",
            { target: "docker", kafka: { zookeeper: { replicas: 3 } } },
            /kafka\.zookeeper = .*apply to kafka\.mode: zookeeper only/,
        ],
        [
            "message size over TiCDC's ceiling",
            { target: "docker", kafka: { messageMaxBytes: 200000000 } },
            /kafka\.messageMaxBytes = 200000000: must be at most 100 MiB/,
        ],
        [
            "replication factor above brokers",
            { target: "docker", replication: { topicReplicationFactor: 3 } },
            /replication\.topicReplicationFactor = 3: cannot exceed the number of Kafka brokers/,
        ],
        [
            "replication factor below min.insync.replicas",
            {
                target: "docker",
                kafka: { brokers: { replicas: 3 } },
                replication: { topicReplicationFactor: 1 },
            },
            /replication\.topicReplicationFactor = 1: must be at least the brokers' min\.insync\.replicas \(2 with 3 brokers\)/,
        ],
        [
            "bad changefeed id",
            { target: "docker", replication: { changefeedId: "bad_id!" } },
            /replication\.changefeedId = "bad_id!": must be letters and digits in dash-separated groups/,
        ],
        [
            "bad table reference",
            { target: "docker", replication: { tables: ["orders"] } },
            /replication\.tables\.0 = "orders": must be "schema\.table"/,
        ],
        [
            "Flink line without a pinned connector",
            { target: "docker", flink: { version: "2.3.0" } },
            /flink\.version = "2\.3\.0": no Kafka SQL connector release is pinned for Flink 2\.3/,
        ],
        [
            "connector without checksum",
            {
                target: "docker",
                flink: {
                    connectors: [
                        {
                            groupId: "org.apache.flink",
                            artifactId: "x",
                            version: "1",
                            sha256: "abc",
                        },
                    ],
                },
            },
            /flink\.connectors\.0\.sha256 = "abc": must be the jar's SHA-256/,
        ],
        [
            "Flink line the operator lacks",
            {
                target: "kubernetes",
                flink: {
                    version: "2.3.0",
                    connectors: [
                        {
                            groupId: "org.apache.flink",
                            artifactId: "flink-sql-connector-kafka",
                            version: "9.9.9-2.3",
                            sha256: "a".repeat(64),
                        },
                    ],
                },
            },
            /flink\.version = "2\.3\.0": the Flink Kubernetes Operator pinned here runs Flink 1\.20, 2\.0, 2\.1, 2\.2 only/,
        ],
        [
            "several SQL gateways in the lab",
            { target: "docker", flink: { sqlGateway: { replicas: 2 } } },
            /flink\.sqlGateway\.replicas = 2: the Docker lab runs one SQL gateway/,
        ],
        [
            "wildcard table with IaC-managed topics",
            { target: "docker", replication: { tables: ["shop.*"] } },
            /replication\.tables\.0 = "shop\.\*": a wildcard's topics cannot be created ahead of TiCDC/,
        ],
        [
            "Flink source over a table that is not replicated",
            {
                target: "docker",
                replication: { tables: ["shop.orders"] },
                flinkSql: {
                    tables: [
                        { name: "o", from: "shop.items", columns: [{ name: "id", type: "INT" }] },
                    ],
                },
            },
            /flinkSql\.tables\.0\.from = "shop\.items": is not a replicated table/,
        ],
        [
            "Flink table without a connector",
            {
                target: "docker",
                flinkSql: { tables: [{ name: "sink", columns: [{ name: "id", type: "INT" }] }] },
            },
            /flinkSql\.tables\.0\.options = \(not set\): a table without "from" needs its connector options/,
        ],
        [
            "primary key over a missing column",
            {
                target: "docker",
                flinkSql: {
                    tables: [
                        {
                            name: "t",
                            columns: [{ name: "id", type: "INT" }],
                            primaryKey: ["uid"],
                            options: { connector: "print" },
                        },
                    ],
                },
            },
            /flinkSql\.tables\.0\.primaryKey\.0 = "uid": is not one of the table's columns/,
        ],
        [
            "a job that is not an INSERT",
            {
                target: "docker",
                flinkSql: { jobs: [{ name: "peek", statement: "SELECT * FROM orders" }] },
            },
            /flinkSql\.jobs\.0\.statement = "SELECT \* FROM orders": must be one INSERT INTO/,
        ],
        [
            "two jobs with one name",
            {
                target: "docker",
                flinkSql: {
                    jobs: [
                        { name: "copy", statement: "INSERT INTO a SELECT * FROM b" },
                        { name: "copy", statement: "INSERT INTO c SELECT * FROM b" },
                    ],
                },
            },
            /flinkSql\.jobs\.1\.name = "copy": is declared twice/,
        ],
        [
            "jobs on an external Flink without a savepoint location",
            {
                target: "docker",
                flink: { external: { restUrl: "http://jm:8081", sqlGatewayUrl: "http://gw:8083" } },
                flinkSql: { jobs: [{ name: "copy", statement: "INSERT INTO a SELECT * FROM b" }] },
            },
            /flink\.external\.savepointDir = \(not set\): Flink SQL jobs are stopped with a savepoint/,
        ],
        [
            "standby JobManager without HA",
            { target: "docker", flink: { jobManager: { replicas: 2 } } },
            /flink\.jobManager\.replicas = 2: standby JobManagers need flink\.highAvailability/,
        ],
        [
            "ZooKeeper HA without ZooKeeper",
            { target: "docker", flink: { highAvailability: "zookeeper" } },
            /flink\.highAvailability = "zookeeper": ZooKeeper HA needs/,
        ],
        [
            "Kubernetes HA on docker",
            { target: "docker", flink: { highAvailability: "kubernetes" } },
            /flink\.highAvailability = "kubernetes": Kubernetes HA needs target "kubernetes"/,
        ],
        [
            "duplicate host ports",
            { target: "docker", docker: { hostPorts: { kafka: 8081 } } },
            /docker\.hostPorts\.flinkRest = 8081: is already used by docker\.hostPorts\.kafka/,
        ],
        [
            "privileged host port",
            { target: "docker", docker: { hostPorts: { tidb: 80 } } },
            /docker\.hostPorts\.tidb = 80: must be an unprivileged port/,
        ],
        [
            "external beside managed settings",
            {
                target: "docker",
                kafka: { external: { bootstrapServers: ["k:9092"] }, brokers: { replicas: 3 } },
            },
            /kafka\.brokers = .*kafka\.external is set, so kafka is not provisioned/,
        ],
        [
            "external broker without port",
            { target: "docker", kafka: { external: { bootstrapServers: ["k"] } } },
            /kafka\.external\.bootstrapServers\.0 = "k": must be "host:port"/,
        ],
        [
            "external TiCDC URL",
            { target: "docker", tidb: { external: { host: "t", ticdcApiUrl: "ticdc:8300" } } },
            /tidb\.external\.ticdcApiUrl = "ticdc:8300": must be an http\(s\) URL/,
        ],
        [
            "prefix that is not a DNS label",
            { target: "docker", namePrefix: "My_Lab" },
            /namePrefix = "My_Lab": must be a lower-case DNS label/,
        ],
        [
            "namespace that is not a DNS label",
            { target: "kubernetes", kubernetes: { namespace: "CDC" } },
            /kubernetes\.namespace = "CDC": must be a DNS label/,
        ],
    ];

    it.each(cases)("%s", (_title, raw, expected) => {
        expect(problems(raw, { tidbRootPassword: true })).toMatch(expected);
    });

    it("requires a secret root password for a managed TiDB on kubernetes", () => {
        expect(problems({ target: "kubernetes" })).toMatch(
            /tidbRootPassword = \(not set\): .*pulumi config set --secret tidbRootPassword/,
        );
        expect(() =>
            parseStackSettings({ target: "kubernetes" }, { tidbRootPassword: true }),
        ).not.toThrow();
    });

    it("lists every problem of a config at once, schema and cross-field alike", () => {
        const message = problems({
            target: "kubernetes",
            namePrefix: "UPPER",
            tidb: { pd: { replicas: 4 } },
            kafka: { mode: "zookeeper", brokers: { replicas: 0 } },
            flink: { jobManager: { replicas: 2 } },
        });
        expect(message).toMatch(
            /^Invalid stack configuration \(6 problems\); nothing was created:/,
        );
        for (const field of [
            "namePrefix",
            "tidb.pd.replicas",
            "kafka.mode",
            "kafka.brokers.replicas",
            "flink.jobManager.replicas",
            "tidbRootPassword",
        ]) {
            expect(message).toContain(`  - ${field} = `);
        }
    });

    it("never echoes values of sensitive-looking fields", () => {
        const text = formatIssues([
            { path: ["kafka", "external", "saslPassword"], value: "hunter2", message: "bad" },
        ]);
        expect(text).toContain("kafka.external.saslPassword = [secret]: bad");
        expect(text).not.toContain("hunter2");
    });
});
