/**
 * The SQL TiDB runs once, when it bootstraps a new cluster (`initialize-sql-file`, TiDB ≥ v6.6):
 * it sets the root password, so the cluster never serves an empty one.
 *
 * TiDB parses the whole file with its SQL parser (a bad statement is only logged, a parse error
 * stops the server), so the password is quoted as one string literal. The file is read at the
 * first bootstrap only: changing the password later needs `ALTER USER` by hand.
 */
import * as pulumi from "@pulumi/pulumi";

/** The file name inside the containers (Docker upload, Kubernetes Secret key). */
export const INIT_SQL_FILE_NAME = "init.sql";

/**
 * A MySQL string literal for any text: the characters mysql_real_escape_string escapes, so the
 * literal ends where it should whatever the input (TiDB's default sql_mode keeps backslash escapes).
 */
export function sqlStringLiteral(value: string): string {
    const escapes: Record<string, string> = {
        "\\": "\\\\",
        "'": "\\'",
        '"': '\\"',
        "\0": "\\0",
        "\n": "\\n",
        "\r": "\\r",
        "\x1a": "\\Z",
    };
    return `'${Array.from(value, (c) => escapes[c] ?? c).join("")}'`;
}

/** The bootstrap SQL that sets root's password. Throws for an empty password (that is no password). */
export function initSql(password: string): string {
    if (password.length === 0) {
        throw new Error("the TiDB root password must not be empty");
    }
    return `ALTER USER 'root'@'%' IDENTIFIED BY ${sqlStringLiteral(password)};\n`;
}

/** initSql over a secret password; the result is marked secret whatever the input's marking. */
export function initSqlContent(rootPassword: pulumi.Output<string>): pulumi.Output<string> {
    return pulumi.secret(rootPassword.apply(initSql));
}
