/**
 * The lab stack's resources as the program declares them: the program (infra/program.ts) run
 * under the Pulumi mocks of test/support with a stack's config, every registered resource recorded
 * with its type, name, inputs and dependencies.
 */
import { parseStackSettings, type StackSettings } from "../../components/config";
import { installMocks, type RecordedResource, settle, stackConfig } from "../support/pulumi-mocks";
import { stackFileConfig } from "../support/stack-files";
import { lookalikeImagesConfig } from "./images";

export type StackConfigValues = Record<string, unknown>;

export const CONTAINER = "docker:index/container:Container";
export const NETWORK = "docker:index/network:Network";
export const VOLUME = "docker:index/volume:Volume";

/** The committed dev stack's config (Pulumi.dev.yaml). */
export function devStackConfig(): StackConfigValues {
    return stackFileConfig("dev");
}

/**
 * The dev config in ZooKeeper mode: Kafka 3.9 (the last line with ZooKeeper) and an ensemble of
 * three, so the test sees a real quorum (a leader and two followers) rather than a standalone node.
 */
export function zookeeperVariant(config: StackConfigValues): StackConfigValues {
    const kafka = (config.kafka ?? {}) as Record<string, unknown>;
    return {
        ...config,
        kafka: { ...kafka, mode: "zookeeper", version: "3.9.2", zookeeper: { replicas: 3 } },
    };
}

export function settingsOf(config: StackConfigValues): StackSettings {
    return parseStackSettings(config);
}

/** The same config with `docker.images` naming the local stand-ins of every official image. */
export function withLookalikeImages(config: StackConfigValues): StackConfigValues {
    const docker = (config.docker ?? {}) as Record<string, unknown>;
    const images = (docker.images ?? {}) as Record<string, unknown>;
    return {
        ...config,
        docker: { ...docker, images: { ...images, ...lookalikeImagesConfig(settingsOf(config)) } },
    };
}

/** Runs the program under mocks with `config`; resolves with every resource it registered. */
export async function recordProgram(
    stack: string,
    config: StackConfigValues,
): Promise<RecordedResource[]> {
    const session = installMocks(stack);
    stackConfig(config);
    const { createStack } = await import("../../infra/program");
    createStack();
    // Dynamic resources register once the Outputs they take have resolved: wait until the
    // registrations stop coming.
    let seen = -1;
    let stableRounds = 0;
    while (stableRounds < 3) {
        await settle();
        if (session.resources.length === seen) stableRounds++;
        else stableRounds = 0;
        seen = session.resources.length;
    }
    return session.resources;
}

/** The resources without their `image` input (to compare two recordings image aside). */
export function withoutImages(resources: readonly RecordedResource[]): unknown[] {
    return resources.map((r) => {
        if (r.type !== CONTAINER) return r;
        const inputs = { ...r.inputs };
        delete inputs.image;
        return { ...r, inputs };
    });
}
