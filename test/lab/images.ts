/**
 * The lab test's images: which local look-alike (built by scripts/docker/setup.sh) stands in for
 * which official image, and which official images cannot be had here at all.
 */
import type { StackSettings } from "../../components/config";
import { flinkImage } from "../../components/flink/config";
import { kafkaImage, zookeeperImage } from "../../components/kafka/docker";
import { tidbImages } from "../../components/tidb/docker";

/** Repository prefix of every image scripts/docker/setup.sh builds. */
export const LAB_IMAGE_PREFIX = "tidb-cdc-pipeline-lab";

/** Official repository → look-alike repository (the tag stays the official one). */
const LOOKALIKES: Readonly<Record<string, string>> = {
    zookeeper: `${LAB_IMAGE_PREFIX}/zookeeper`,
    "apache/kafka": `${LAB_IMAGE_PREFIX}/kafka`,
    flink: `${LAB_IMAGE_PREFIX}/flink`,
    // Not a look-alike: the project's TiCDC Open API emulator behind TiCDC's command line.
    "pingcap/ticdc": `${LAB_IMAGE_PREFIX}/ticdc`,
};

/**
 * PD, TiKV and TiDB are Go/Rust servers published only as images (no Debian package, nothing on
 * Maven Central, npm or PyPI), and no image registry is reachable: their containers are left out.
 */
export const UNAVAILABLE_REPOSITORIES: readonly string[] = [
    "pingcap/pd",
    "pingcap/tikv",
    "pingcap/tidb",
];

function split(reference: string): { repository: string; tag: string } {
    const at = reference.lastIndexOf(":");
    if (at < 0 || reference.slice(at).includes("/"))
        return { repository: reference, tag: "latest" };
    return { repository: reference.slice(0, at), tag: reference.slice(at + 1) };
}

/** The local image for an official reference, e.g. `apache/kafka:4.3.1` → `…/kafka:4.3.1`. */
export function lookalikeOf(official: string): string | undefined {
    const { repository, tag } = split(official);
    const local = LOOKALIKES[repository];
    return local === undefined ? undefined : `${local}:${tag}`;
}

export function isUnavailable(image: string): boolean {
    return UNAVAILABLE_REPOSITORIES.includes(split(image).repository);
}

/**
 * The `docker.images` config that maps every official image the stack would run to its local
 * stand-in (computed with the components' own default-image functions, so it follows their
 * versions). PD, TiKV and TiDB keep their official names: their containers are not created.
 */
export function lookalikeImagesConfig(settings: StackSettings): Record<string, string> {
    const images = settings.docker.images;
    const official: Record<string, string> = {
        kafka: kafkaImage(settings.kafka, images),
        flink: flinkImage(settings.flink.version, images.flink),
        ticdc: tidbImages(settings.tidb.version, images).ticdc,
        ...(settings.kafka.mode === "zookeeper"
            ? { zookeeper: zookeeperImage(settings.kafka, images) }
            : {}),
    };
    return Object.fromEntries(
        Object.entries(official).map(([role, reference]) => {
            const local = lookalikeOf(reference);
            if (local === undefined)
                throw new Error(`no local stand-in for ${role} image ${reference}`);
            return [role, local];
        }),
    );
}
