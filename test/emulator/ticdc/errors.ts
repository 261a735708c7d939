/**
 * TiCDC's errors as they reach an API client: `{error_msg, error_code}` with the HTTP status
 * `ErrorHandleMiddleware` picks (tiflow `cdc/api/util.go` `IsHTTPBadRequestError`).
 *
 * Messages follow pingcap/errors: `[CODE]message`, and a wrapped error appends `: cause`
 * (`WrapError(ErrKafkaNewProducer, cause)` → `[CDC:ErrKafkaNewProducer]new kafka producer: [..]..`).
 * `error_code` is the outermost code. Templates are those of tiflow `pkg/errors/cdc_errors.go`.
 */

/** Codes answered with 400 (classic); everything else is 500 unless stated. */
const BAD_REQUEST_CODES = [
    "CDC:ErrAPIInvalidParam",
    "CDC:ErrSinkURIInvalid",
    "CDC:ErrStartTsBeforeGC",
    "CDC:ErrChangeFeedNotExists",
    "CDC:ErrTargetTsBeforeStartTs",
    "CDC:ErrTableIneligible",
    "CDC:ErrFilterRuleInvalid",
    "CDC:ErrChangefeedUpdateRefused",
    "CDC:ErrMySQLConnectionError",
    "CDC:ErrMySQLInvalidConfig",
    "CDC:ErrCaptureNotExist",
    "CDC:ErrSchedulerRequestFailed",
];
/** New-architecture TiCDC adds these to the 400 list. */
const NEW_ARCH_BAD_REQUEST_CODES = [
    "CDC:ErrChangeFeedAlreadyExists",
    "CDC:ErrActiveActiveTSOIndexIncompatible",
];

export class CdcError extends Error {
    constructor(
        /** e.g. "CDC:ErrChangeFeedNotExists"; "" for errors without an RFC code. */
        readonly code: string,
        /** The full `error_msg`. */
        message: string,
        /** Forces a status (401, 503); otherwise derived from the code. */
        readonly status?: number,
    ) {
        super(message);
    }

    /** The status TiCDC's middleware answers with. */
    httpStatus(flavor: "classic" | "new-arch" = "classic"): number {
        if (this.status !== undefined) return this.status;
        const codes =
            flavor === "new-arch"
                ? [...BAD_REQUEST_CODES, ...NEW_ARCH_BAD_REQUEST_CODES]
                : BAD_REQUEST_CODES;
        // IsHTTPBadRequestError also matches the code anywhere in the message (wrapped causes).
        return codes.some((c) => c === this.code || this.message.includes(c)) ? 400 : 500;
    }

    body(): { error_msg: string; error_code: string } {
        return { error_msg: this.message, error_code: this.code };
    }
}

/** `errors.Normalize(template, RFCCodeText(code))`: `gen(args)` formats like GenWithStackByArgs. */
export function cdcError(code: string, message: string, status?: number): CdcError {
    return new CdcError(code, `[${code}]${message}`, status);
}

/** `cerror.WrapError(rfc, cause)`: `[rfc]template: cause`, code of the wrapper. */
export function wrap(code: string, template: string, cause: Error | string): CdcError {
    const text = typeof cause === "string" ? cause : cause.message;
    return new CdcError(code, `[${code}]${template}: ${text}`);
}

/** `rfc.GenWithStackByCause()` on a wrapped error: `[rfc]<cause message>`. */
export function byCause(code: string, cause: Error | string): CdcError {
    const text = typeof cause === "string" ? cause : cause.message;
    return new CdcError(code, `[${code}]${text}`);
}

export const E = {
    apiInvalidParam: (detail: string) => cdcError("CDC:ErrAPIInvalidParam", detail),
    apiInvalidParamWrap: (cause: Error | string) =>
        wrap("CDC:ErrAPIInvalidParam", "invalid api parameter", cause),
    notExists: (id: string) =>
        cdcError("CDC:ErrChangeFeedNotExists", `changefeed not exists, ${id}`),
    alreadyExists: (id: string) =>
        cdcError("CDC:ErrChangeFeedAlreadyExists", `changefeed already exists, ${id}`),
    updateRefused: (detail: string) =>
        cdcError("CDC:ErrChangefeedUpdateRefused", `changefeed update error: ${detail}`),
    /** `ErrChangefeedUpdateRefused.GenWithStackByCause(err)`. */
    updateRefusedByCause: (cause: Error) => byCause("CDC:ErrChangefeedUpdateRefused", cause),
    sinkUriInvalid: (detail: string) =>
        cdcError("CDC:ErrSinkURIInvalid", `sink uri invalid '${detail}'`),
    sinkUriInvalidStack: (message: string) => cdcError("CDC:ErrSinkURIInvalid", message),
    unknownProtocol: (protocol: string) =>
        cdcError("CDC:ErrSinkUnknownProtocol", `unknown '${protocol}' message protocol for sink`),
    startTsBeforeGc: (startTs: bigint, safepoint: bigint) =>
        cdcError(
            "CDC:ErrStartTsBeforeGC",
            `fail to create or maintain changefeed because start-ts ${startTs} is earlier than or equal to GC safepoint at ${safepoint}`,
        ),
    targetTsBeforeStartTs: (targetTs: bigint, startTs: bigint) =>
        cdcError(
            "CDC:ErrTargetTsBeforeStartTs",
            `fail to create changefeed because target-ts ${targetTs} is earlier than start-ts ${startTs}`,
        ),
    tableIneligible: (tables: string[]) =>
        cdcError(
            "CDC:ErrTableIneligible",
            `some tables are not eligible to replicate([${tables.join(" ")}]), if you want to ignore these tables, please set ignore_ineligible_table to true`,
        ),
    filterRuleInvalid: (detail: string) =>
        cdcError("CDC:ErrFilterRuleInvalid", `filter rule is invalid ${detail}`),
    invalidReplicaConfig: (detail: string) =>
        cdcError("CDC:ErrInvalidReplicaConfig", `invalid replica config, ${detail}`),
    kafkaInvalidConfig: (message: string) => cdcError("CDC:ErrKafkaInvalidConfig", message),
    kafkaNewProducer: (cause: Error | string) =>
        wrap("CDC:ErrKafkaNewProducer", "new kafka producer", cause),
    kafkaCreateTopic: (cause: Error | string) =>
        wrap("CDC:ErrKafkaCreateTopic", "kafka create topic failed", cause),
    kafkaInvalidPartitionNum: (message: string) =>
        cdcError("CDC:ErrKafkaInvalidPartitionNum", message),
    /** The RFC code text of ErrKafkaInvalidTopicExpression is "CDC:ErrKafkaTopicExprInvalid". */
    topicExpressionInvalid: (expr: string) =>
        cdcError("CDC:ErrKafkaTopicExprInvalid", `invalid topic expression: ${expr} `),
    dispatcherFailed: (message: string) => cdcError("CDC:ErrDispatcherFailed", message),
    sinkInvalidConfig: (message: string) => cdcError("CDC:ErrSinkInvalidConfig", message),
    incompatibleSinkConfig: (fromUri: string, fromFile: string) =>
        cdcError(
            "CDC:ErrIncompatibleSinkConfig",
            `incompatible configuration in sink uri(${fromUri}) and config file(${fromFile}), please try to update the configuration only through sink uri`,
        ),
    credentialNotFound: () =>
        cdcError(
            "CDC:ErrCredentialNotFound",
            "credential not found: please specify the user and password via authorization header",
            401,
        ),
    unauthorized: (user: string, detail: string) =>
        cdcError("CDC:ErrUnauthorized", `user ${user} unauthorized, error: ${detail}`, 401),
    clusterUnhealthy: () => cdcError("CDC:ErrClusterIsUnhealthy", "TiCDC cluster is unhealthy"),
    serverNotReady: () => cdcError("CDC:ErrServerIsNotReady", "cdc server is not ready", 503),
    kafkaSendMessage: (cause: Error | string) =>
        wrap("CDC:ErrKafkaSendMessage", "kafka send message failed", cause),
};
