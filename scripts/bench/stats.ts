/**
 * The benchmark's statistics: summaries of repeated timings, percentiles, and the fit of wall
 * time against resource count. Pure functions, no I/O (test/bench/stats.test.ts).
 */

export interface Summary {
    n: number;
    min: number;
    max: number;
    mean: number;
    median: number;
    p95: number;
    /** Sample standard deviation (n − 1); 0 for fewer than two values. */
    stdev: number;
}

function sorted(values: readonly number[]): number[] {
    return [...values].sort((a, b) => a - b);
}

function requireValues(values: readonly number[], what: string): void {
    if (values.length === 0) throw new Error(`${what} of no values`);
    if (values.some((v) => !Number.isFinite(v))) throw new Error(`${what} of a non-finite value`);
}

/**
 * The p-th percentile (0 ≤ p ≤ 100) by linear interpolation between closest ranks (Hyndman &
 * Fan type 7, what numpy and spreadsheets use by default): rank (n − 1)·p/100.
 */
export function percentile(values: readonly number[], p: number): number {
    requireValues(values, "percentile");
    if (!(p >= 0 && p <= 100)) throw new Error(`percentile ${p} is outside 0..100`);
    const s = sorted(values);
    const rank = ((s.length - 1) * p) / 100;
    const low = Math.floor(rank);
    const high = Math.ceil(rank);
    const a = s[low]!;
    const b = s[high]!;
    return a + (b - a) * (rank - low);
}

export function mean(values: readonly number[]): number {
    requireValues(values, "mean");
    return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export function stdev(values: readonly number[]): number {
    requireValues(values, "stdev");
    if (values.length < 2) return 0;
    const m = mean(values);
    const squares = values.reduce((sum, v) => sum + (v - m) ** 2, 0);
    return Math.sqrt(squares / (values.length - 1));
}

export function summarize(values: readonly number[]): Summary {
    requireValues(values, "summary");
    const s = sorted(values);
    return {
        n: s.length,
        min: s[0]!,
        max: s[s.length - 1]!,
        mean: mean(s),
        median: percentile(s, 50),
        p95: percentile(s, 95),
        stdev: stdev(s),
    };
}

export interface LinearFit {
    /** Value at x = 0: the fixed cost. */
    intercept: number;
    /** Increase per unit of x: the marginal cost. */
    slope: number;
    /** Coefficient of determination (1 = every point on the line). */
    r2: number;
}

/** Ordinary least squares y = intercept + slope·x. Needs two distinct x values. */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
    if (xs.length !== ys.length) throw new Error("linearFit: xs and ys differ in length");
    requireValues(xs, "linearFit");
    requireValues(ys, "linearFit");
    const mx = mean(xs);
    const my = mean(ys);
    let sxx = 0;
    let sxy = 0;
    let syy = 0;
    xs.forEach((x, i) => {
        const dx = x - mx;
        const dy = ys[i]! - my;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    });
    if (sxx === 0) throw new Error("linearFit needs at least two distinct x values");
    const slope = sxy / sxx;
    const intercept = my - slope * mx;
    const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
    return { intercept, slope, r2 };
}

/**
 * The growth exponent k of y ∝ x^k between two points (the slope on a log-log plot): 1 is
 * linear, 2 quadratic, near 0 flat. Undefined unless both coordinates are positive and differ.
 */
export function growthExponent(x1: number, y1: number, x2: number, y2: number): number | undefined {
    if (!(x1 > 0 && x2 > 0 && y1 > 0 && y2 > 0) || x1 === x2) return undefined;
    return Math.log(y2 / y1) / Math.log(x2 / x1);
}

/** `a / b`, or undefined when b is not positive. */
export function ratio(a: number, b: number): number | undefined {
    return b > 0 ? a / b : undefined;
}
