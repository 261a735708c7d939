/**
 * The few GitHub REST calls the comment script makes (issue comments: a pull request is an issue),
 * through fetch. The API root comes from GITHUB_API_URL, as GitHub Actions sets it (also on GitHub
 * Enterprise Server), so tests point it at a local server.
 */

export interface IssueComment {
    id: number;
    body: string;
    user: { login: string } | null;
}

export interface GithubClient {
    listComments(issue: number): Promise<IssueComment[]>;
    createComment(issue: number, body: string): Promise<IssueComment>;
    updateComment(id: number, body: string): Promise<IssueComment>;
    deleteComment(id: number): Promise<void>;
}

export function githubClient(options: { apiUrl: string; repository: string; token: string }) {
    const root = `${options.apiUrl.replace(/\/+$/, "")}/repos/${options.repository}`;
    const call = async (method: string, url: string, body?: unknown): Promise<unknown> => {
        const response = await fetch(url, {
            method,
            headers: {
                Accept: "application/vnd.github+json",
                Authorization: `Bearer ${options.token}`,
                "X-GitHub-Api-Version": "2022-11-28",
                ...(body === undefined ? {} : { "Content-Type": "application/json" }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        if (!response.ok) {
            let message = text.slice(0, 300);
            try {
                message = (JSON.parse(text) as { message?: string }).message ?? message;
            } catch {
                // not JSON: keep the text
            }
            throw new Error(
                `GitHub ${method} ${url.slice(root.length) || "/"}: ${response.status} ${message}`,
            );
        }
        return text === "" ? undefined : (JSON.parse(text) as unknown);
    };
    return {
        async listComments(issue) {
            const all: IssueComment[] = [];
            for (let page = 1; ; page++) {
                const batch = (await call(
                    "GET",
                    `${root}/issues/${issue}/comments?per_page=100&page=${page}`,
                )) as IssueComment[];
                all.push(...batch);
                if (batch.length < 100) return all;
            }
        },
        async createComment(issue, body) {
            return (await call("POST", `${root}/issues/${issue}/comments`, {
                body,
            })) as IssueComment;
        },
        async updateComment(id, body) {
            return (await call("PATCH", `${root}/issues/comments/${id}`, { body })) as IssueComment;
        },
        async deleteComment(id) {
            await call("DELETE", `${root}/issues/comments/${id}`);
        },
    } satisfies GithubClient;
}

export type UpsertResult =
    | { action: "created"; id: number; removed: number[] }
    | { action: "updated" | "unchanged"; id: number; removed: number[] };

/**
 * Creates the comment, or updates the one this workflow posted before: the oldest comment by
 * `author` whose first line is the same marker. Duplicates (a race of two runs) are deleted so a
 * pull request keeps one comment per marker.
 */
export async function upsertComment(
    client: GithubClient,
    issue: number,
    marker: string,
    body: string,
    author: string,
): Promise<UpsertResult> {
    const mine = (await client.listComments(issue)).filter(
        (c) => c.user?.login === author && c.body.split("\n", 1)[0]?.trimEnd() === marker,
    );
    const [first, ...duplicates] = mine.sort((a, b) => a.id - b.id);
    const removed: number[] = [];
    for (const duplicate of duplicates) {
        await client.deleteComment(duplicate.id);
        removed.push(duplicate.id);
    }
    if (!first) {
        const created = await client.createComment(issue, body);
        return { action: "created", id: created.id, removed };
    }
    if (first.body === body) return { action: "unchanged", id: first.id, removed };
    await client.updateComment(first.id, body);
    return { action: "updated", id: first.id, removed };
}
