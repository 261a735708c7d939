/**
 * The guardrails policy pack: `pulumi preview --policy-pack policy` (see the README's
 * "Guardrails"). The rules live in policies.ts; constructing the PolicyPack starts the analyzer's
 * gRPC server, so only the CLI loads this file (tests import policies.ts).
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("tidb-cdc-pipeline-guardrails", {
    policies,
    enforcementLevel: "mandatory",
    description:
        "Prod guardrails for the TiDB → TiCDC → Kafka → Flink pipeline: replica counts, Kafka replication, protected storage, no plain-text credentials, TiCDC message sizes, Flink savepoints",
});
