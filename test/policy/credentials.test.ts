/**
 * What the no-plaintext-credentials guardrail counts as a credential, and how it knows a secret:
 * the detection on property shapes the stacks produce (Kubernetes env entries and Secret
 * references, Docker env strings, Flink table options, sink URIs, SQL), and the secret paths
 * policy/secrets.ts recovers from the wire form through @pulumi/policy's own deserializer.
 */
import { describe, expect, it } from "vitest";
import { isCredentialKey, plainTextCredentials } from "../../policy/credentials";
import { formatPath } from "../../policy/resources";
import { isSecretPath, secretPaths, wireSecretPaths } from "../../policy/secrets";
import { SECRET_SIG as SIG_KEY } from "../support/secrets";
import { policyInternals } from "./policy-engine";

/** A value as Pulumi puts a secret on the wire. */
const secret = (value: unknown) => ({ [SIG_KEY]: "1b47061264138c4ac30d75fd1eb44270", value });

/** Findings as "path: reason" lines. */
function findings(
    type: string,
    props: Record<string, unknown>,
    secrets: (string | number)[][] = [],
) {
    return plainTextCredentials(type, props, secrets).map(
        (f) => `${formatPath(f.path)}: ${f.reason}`,
    );
}

describe("credential keys", () => {
    it.each([
        "password",
        "sasl-password",
        "sasl_gssapi_password",
        "MYSQL_ROOT_PASSWORD",
        "clientSecret",
        "s3.secret-key",
        "fs.s3a.secret.key",
        "apiKey",
        "api_key",
        "private-key",
        "token",
        "authToken",
        "properties.sasl.jaas.config",
        "passphrase",
        "Authorization",
    ])("%s names a credential", (key) => {
        expect(isCredentialKey(key)).toBe(true);
    });

    it.each([
        "secretName",
        "passwordFile",
        "sasl_oauth_token_url",
        "tokenPath",
        "access-key",
        "keyPath",
        "key",
        "user",
        "username",
        "savepointDir",
        "properties.bootstrap.servers",
    ])("%s does not", (key) => {
        expect(isCredentialKey(key)).toBe(false);
    });
});

describe("plain-text credentials", () => {
    it("finds credential-named values, wherever they are nested", () => {
        expect(
            findings("pulumi-nodejs:dynamic/ticdc:Changefeed", {
                basicAuth: { user: "cdc", password: "pw" },
                sink: { extraParams: { "sasl-gssapi-password": "pw", "kafka-client-id": "x" } },
            }),
        ).toEqual([
            'basicAuth.password: a credential-named property "password"',
            'sink.extraParams["sasl-gssapi-password"]: a credential-named property "sasl-gssapi-password"',
        ]);
    });

    it("skips secrets and everything inside them", () => {
        const props = {
            basicAuth: secret({ user: "cdc", password: "pw" }),
            tidb: { host: "tidb", password: secret("pw") },
        };
        const secrets = wireSecretPaths(props).map((p) => [...p]);
        expect(secrets).toEqual([["basicAuth"], ["tidb", "password"]]);
        expect(findings("x:y:Z", props, secrets)).toEqual([]);
    });

    it("reads Kubernetes env entries by name, and leaves Secret references alone", () => {
        expect(
            findings("kubernetes:apps/v1:Deployment", {
                spec: {
                    template: {
                        spec: {
                            containers: [
                                {
                                    name: "app",
                                    env: [
                                        { name: "DB_PASSWORD", value: "pw" },
                                        { name: "TZ", value: "UTC" },
                                        {
                                            name: "API_TOKEN",
                                            valueFrom: {
                                                secretKeyRef: { name: "s", key: "token" },
                                            },
                                        },
                                    ],
                                    envFrom: [{ secretRef: { name: "creds" } }],
                                },
                            ],
                            volumes: [{ name: "init", secret: { secretName: "init-sql" } }],
                        },
                    },
                },
            }),
        ).toEqual([
            "spec.template.spec.containers[0].env[0].value: the environment variable DB_PASSWORD",
        ]);
    });

    it("leaves Strimzi's passwordSecret reference alone", () => {
        expect(
            findings("kubernetes:kafka.strimzi.io/v1:KafkaUser", {
                spec: {
                    authentication: {
                        type: "scram-sha-512",
                        password: { valueFrom: { secretKeyRef: { name: "u", key: "pw" } } },
                    },
                },
                passwordSecret: { secretName: "cdc-user", password: "password" },
            }),
        ).toEqual([]);
    });

    it("reads Docker env strings", () => {
        expect(
            findings("docker:index/container:Container", {
                envs: ["TZ=UTC", "MYSQL_ROOT_PASSWORD=pw", "KAFKA_NODE_ID=1"],
            }),
        ).toEqual(["envs[1]: the environment variable MYSQL_ROOT_PASSWORD"]);
    });

    it("finds credentials inside values: URIs, sink parameters, JAAS, SQL", () => {
        expect(
            findings("pulumi-nodejs:dynamic/flink:SqlTable", {
                options: {
                    "properties.sasl.jaas.config":
                        'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";',
                    "properties.bootstrap.servers": "kafka:9092",
                },
                uri: "kafka://cdc:pw@kafka:9092/topic",
                sinkUri: "kafka://kafka:9092/t?protocol=canal-json&sasl-password=pw",
                statement: "CREATE TABLE t (id INT) WITH ('password' = 'x', 'user' = 'y')",
                init: "ALTER USER 'root'@'%' IDENTIFIED BY 'pw';",
                jdbc: "jdbc:mysql://tidb:4000/app?user=root&password=pw",
            }),
        ).toEqual([
            'options["properties.sasl.jaas.config"]: a credential-named property "properties.sasl.jaas.config"',
            "uri: a URI carrying user:password@",
            "sinkUri: a URI query parameter carrying a credential",
            "statement: a quoted 'password' = '…' option (Flink SQL WITH, properties)",
            "init: a SQL IDENTIFIED BY '…' password",
            "jdbc: a URI query parameter carrying a credential",
        ]);
    });

    it("accepts what is no credential", () => {
        expect(
            findings("kubernetes:flink.apache.org/v1beta1:FlinkDeployment", {
                spec: {
                    flinkConfiguration: {
                        "execution.checkpointing.savepoint-dir": "file:///flink-data/savepoints",
                        "high-availability.storageDir": "file:///flink-data/ha",
                    },
                    podTemplate: {
                        spec: {
                            initContainers: [
                                {
                                    command: [
                                        "sh",
                                        "-c",
                                        "curl -fsSL https://repo1.maven.org/maven2/org/apache/flink/x.jar",
                                    ],
                                },
                            ],
                        },
                    },
                },
                password: "",
                bootstrapServers: "kafka-0:9092,kafka-1:9092",
            }),
        ).toEqual([]);
    });

    it("requires a Kubernetes Secret's data to be a Pulumi secret, whatever its keys", () => {
        expect(
            findings("kubernetes:core/v1:Secret", {
                metadata: { name: "s" },
                stringData: { "init.sql": "SELECT 1;" },
                data: { "config.json": "e30=" },
            }),
        ).toEqual([
            'data["config.json"]: a Kubernetes Secret\'s data',
            'stringData["init.sql"]: a Kubernetes Secret\'s data',
        ]);
        const props = { stringData: secret({ "init.sql": "SELECT 1;" }) };
        expect(
            findings(
                "kubernetes:core/v1:Secret",
                props,
                wireSecretPaths(props).map((p) => [...p]),
            ),
        ).toEqual([]);
    });
});

describe("secret paths through @pulumi/policy's deserializer", () => {
    // What the pack's server calls for each resource (policy/secrets.ts wraps it).
    const { deserialize, proxy } = policyInternals;
    const wire = {
        tidb: { host: "tidb", password: secret("pw") },
        list: [1, secret("two")],
        plain: "x",
    };
    const props = proxy.unknownCheckingProxy(
        deserialize.deserializeProperties({ toJavaScript: () => structuredClone(wire) }, false),
    );

    it("leaves what policies read unchanged: secrets unwrapped, no extra keys", () => {
        expect(JSON.parse(JSON.stringify(props))).toEqual({
            tidb: { host: "tidb", password: "pw" },
            list: [1, "two"],
            plain: "x",
        });
        expect(Object.keys(props)).toEqual(["tidb", "list", "plain"]);
    });

    it("tells which paths were secret", () => {
        const paths = secretPaths(props);
        expect(paths).toEqual([
            ["tidb", "password"],
            ["list", 1],
        ]);
        expect(isSecretPath(paths ?? [], ["tidb", "password"])).toBe(true);
        expect(isSecretPath(paths ?? [], ["tidb", "host"])).toBe(false);
    });

    it("answers undefined for props that did not come through it", () => {
        expect(secretPaths({ plain: "x" })).toBeUndefined();
    });
});
