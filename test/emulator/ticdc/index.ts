/** The TiCDC Open API v2 emulator (test-only): see README.md in this folder. */
export {
    startTicdcEmulator,
    TicdcEmulator,
    type ChangefeedSnapshot,
    type FeedState,
    type RecordedExchange,
    type RunningError,
    type TicdcEmulatorOptions,
    type Violation,
} from "./server";
export { MemoryKafka, RealKafka, type MemoryMessage, type RealKafkaOptions } from "./kafka";
export {
    validateRequest,
    validateResponse,
    findOperation,
    operations,
    ERRATA,
    SWAGGER_PATH,
} from "./swagger";
export { callApi, obj, type ApiAnswer } from "./client";
export { goJson, parseJson, toJsonValue, type JsonValue } from "./json";
export { composeTs, physicalMs } from "./tso";
export { maskSinkUri } from "./sinkuri";
export { parseTableFilter } from "./filter";
export { crc32, partitionFor } from "./canal";
export type { TableDefinition, ColumnDefinition, RowValues } from "./tables";
