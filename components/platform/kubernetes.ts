/**
 * Kubernetes rendering: domain code computes plain manifests (unit-tested as data and against the
 * CRDs in ../shared/crds); this file is the only place that turns them into @pulumi/kubernetes
 * resources.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface ObjectMeta {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

/** A custom resource as plain data: apiVersion/kind/metadata/spec. */
export interface CustomResourceManifest {
    apiVersion: string;
    kind: string;
    metadata: ObjectMeta;
    spec: Record<string, unknown>;
}

/** Labels every object of the stack carries, so `kubectl get -l` finds them all. */
export function commonLabels(prefix: string, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/part-of": "tidb-cdc-pipeline",
        "app.kubernetes.io/instance": prefix,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/**
 * `pulumi.com/waitFor` makes `pulumi up` wait until an operator reports the resource ready, so
 * dependants (changefeeds, topics, SQL) start against a running service.
 */
export function waitForAnnotation(
    condition: string,
    timeoutSeconds = 1200,
): Record<string, string> {
    return {
        "pulumi.com/waitFor": condition,
        "pulumi.com/timeoutSeconds": String(timeoutSeconds),
    };
}

export function renderCustomResource(
    manifest: CustomResourceManifest,
    opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
    const { apiVersion, kind, metadata, spec } = manifest;
    return new k8s.apiextensions.CustomResource(
        `${kind.toLowerCase()}-${metadata.name}`,
        { apiVersion, kind, metadata, spec },
        opts,
    );
}
