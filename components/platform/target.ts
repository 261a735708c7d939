/**
 * Where a component is deployed. The Pipeline builds one Target per stack and hands it to every
 * component; components branch on `kind` and call their docker or kubernetes spec functions.
 */
import type * as docker from "@pulumi/docker";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../config";

export interface DockerTarget {
    kind: "docker";
    /** The stack's private network; containers find each other by alias on it. */
    network: docker.Network;
    hostPorts: StackSettings["docker"]["hostPorts"];
    images: StackSettings["docker"]["images"];
}

export interface KubernetesTarget {
    kind: "kubernetes";
    namespace: string;
    storageClassName?: string;
    operators: StackSettings["kubernetes"]["operators"];
    /** Resources the stack's custom resources must wait for (namespace, operator installs). */
    dependsOn: pulumi.Resource[];
    provider?: k8s.Provider;
}

export type Target = DockerTarget | KubernetesTarget;

/** Common arguments of the three cluster components. */
export interface ClusterArgs<Settings> {
    /** Name prefix of every child resource and container (StackSettings.namePrefix). */
    prefix: string;
    settings: Settings;
    target: Target;
    /** Protect stateful resources (volumes, storage-owning CRs) from deletion. */
    protect: boolean;
}
