import { describe, expect, it } from "vitest";
import {
    growthExponent,
    linearFit,
    mean,
    percentile,
    ratio,
    stdev,
    summarize,
} from "../../scripts/bench/stats";

describe("percentile", () => {
    it("interpolates between closest ranks (type 7)", () => {
        const values = [1, 2, 3, 4];
        expect(percentile(values, 0)).toBe(1);
        expect(percentile(values, 100)).toBe(4);
        expect(percentile(values, 50)).toBe(2.5);
        expect(percentile(values, 25)).toBeCloseTo(1.75);
    });

    it("does not depend on the input order", () => {
        expect(percentile([30, 10, 20], 50)).toBe(20);
    });

    it("takes p95 of 20 runs between the two largest", () => {
        const values = Array.from({ length: 20 }, (_, i) => i + 1); // 1..20
        // rank (20 − 1) · 0.95 = 18.05 → 19 + 0.05 · (20 − 19)
        expect(percentile(values, 95)).toBeCloseTo(19.05);
    });

    it("refuses no values, NaN and a p outside 0..100", () => {
        expect(() => percentile([], 50)).toThrow(/no values/);
        expect(() => percentile([1, Number.NaN], 50)).toThrow(/non-finite/);
        expect(() => percentile([1], 101)).toThrow(/outside/);
    });
});

describe("summaries", () => {
    it("has mean, median, p95, min, max and the sample standard deviation", () => {
        const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
        expect(s).toMatchObject({ n: 8, min: 2, max: 9, mean: 5, median: 4.5 });
        expect(s.stdev).toBeCloseTo(2.138, 3);
        expect(s.p95).toBeCloseTo(8.3);
    });

    it("gives a single value a zero deviation", () => {
        expect(stdev([3])).toBe(0);
        expect(mean([3])).toBe(3);
        expect(summarize([3])).toMatchObject({ median: 3, p95: 3, stdev: 0 });
    });
});

describe("linearFit", () => {
    it("finds the fixed and the per-resource cost of points on a line", () => {
        const fit = linearFit([0, 6, 42, 202], [5000, 5600, 9200, 25200]);
        expect(fit.intercept).toBeCloseTo(5000);
        expect(fit.slope).toBeCloseTo(100);
        expect(fit.r2).toBeCloseTo(1);
    });

    it("reports a poorer fit for scattered points", () => {
        const fit = linearFit([0, 1, 2, 3], [0, 3, 1, 4]);
        expect(fit.slope).toBeCloseTo(1);
        expect(fit.intercept).toBeCloseTo(0.5);
        expect(fit.r2).toBeCloseTo(0.5);
    });

    it("needs two distinct x values and equal lengths", () => {
        expect(() => linearFit([1, 1], [1, 2])).toThrow(/two distinct/);
        expect(() => linearFit([1, 2], [1])).toThrow(/length/);
    });
});

describe("growthExponent", () => {
    it("is 1 for linear, 2 for quadratic and 0 for flat growth", () => {
        expect(growthExponent(10, 100, 50, 500)).toBeCloseTo(1);
        expect(growthExponent(10, 100, 50, 2500)).toBeCloseTo(2);
        expect(growthExponent(10, 100, 50, 100)).toBeCloseTo(0);
    });

    it("is undefined without two positive, distinct points", () => {
        expect(growthExponent(0, 1, 10, 5)).toBeUndefined();
        expect(growthExponent(10, -1, 50, 5)).toBeUndefined();
        expect(growthExponent(10, 1, 10, 5)).toBeUndefined();
    });
});

describe("ratio", () => {
    it("divides, and is undefined for a zero floor", () => {
        expect(ratio(30, 10)).toBe(3);
        expect(ratio(30, 0)).toBeUndefined();
    });
});
