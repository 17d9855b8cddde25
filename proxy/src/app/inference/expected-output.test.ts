/** Which upstream values pass as plausible, at the edges of each check. */
import { describe, expect, it } from "vitest";
import { UpstreamError } from "@gpu-bridge/kserve/inference";
import { checkEmbeddings, checkScores, embedResponseBytes, MAX_EMBEDDING_DIMENSIONS } from "./expected-output.js";

const unit = (dims: number, scale = 1) => Float32Array.from({ length: dims }, () => scale / Math.sqrt(dims));

function refusal(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe("bad_response");
    return (err as Error).message;
  }
}

describe("checkEmbeddings", () => {
  it("passes unit vectors, within the fp16 tolerance", () => {
    expect(refusal(() => checkEmbeddings(unit(384), 1, 384))).toBeUndefined();
    expect(refusal(() => checkEmbeddings(unit(384, 1.005), 1, 384))).toBeUndefined();
    expect(refusal(() => checkEmbeddings(new Float32Array(0), 0, 384))).toBeUndefined();
  });

  it("refuses non-finite values, zero or too many dimensions, and vectors that are not normalised", () => {
    const nan = unit(4);
    nan[2] = NaN;
    const inf = unit(4);
    inf[0] = -Infinity;
    expect(refusal(() => checkEmbeddings(nan, 1, 4))).toMatch(/norm NaN/);
    expect(refusal(() => checkEmbeddings(inf, 1, 4))).toMatch(/norm Infinity/);
    expect(refusal(() => checkEmbeddings(new Float32Array(0), 2, 0))).toMatch(/0 dimensions/);
    expect(refusal(() => checkEmbeddings(unit(4), 1, MAX_EMBEDDING_DIMENSIONS + 1))).toMatch(/dimensions/);
    expect(refusal(() => checkEmbeddings(unit(4, 1e38), 1, 4))).toMatch(/norm \d(\.\d+)?e\+3[78]/);
    expect(refusal(() => checkEmbeddings(unit(4, 1.02), 1, 4))).toMatch(/embedding 0 has norm/);
    expect(refusal(() => checkEmbeddings(new Float32Array(4), 1, 4))).toMatch(/norm 0/);
    expect(refusal(() => checkEmbeddings(Float32Array.of(...unit(4), ...unit(4, 3)), 2, 4))).toMatch(/embedding 1/);
  });

  it("bounds an answer's bytes by its rows", () => {
    expect(embedResponseBytes(2, true) - embedResponseBytes(1, true)).toBe(MAX_EMBEDDING_DIMENSIONS * 4);
    expect(embedResponseBytes(1, false)).toBeGreaterThan(embedResponseBytes(1, true));
  });
});

describe("checkScores", () => {
  const scores = (p: number, r: number, f: number) => ({ precision: Float32Array.of(p), recall: Float32Array.of(r), f1: Float32Array.of(f) });
  const plain = { rescaled: false, idf: false };
  const f1 = (p: number, r: number) => (2 * p * r) / (p + r);

  it("passes scores within [-1, 1] with F1 = 2PR/(P+R), rescaled ones of any F1, and bert_score's own NaN with idf", () => {
    expect(refusal(() => checkScores(scores(0.9, 0.7, f1(0.9, 0.7)), plain))).toBeUndefined();
    expect(refusal(() => checkScores(scores(0.9, -0.2, f1(0.9, -0.2)), plain))).toBeUndefined();
    expect(refusal(() => checkScores(scores(-3.5, 2.1, -40), { rescaled: true, idf: false }))).toBeUndefined();
    expect(refusal(() => checkScores(scores(NaN, 0.8, 0), { rescaled: false, idf: true }))).toBeUndefined();
    expect(refusal(() => checkScores(scores(0.8, NaN, NaN), { rescaled: true, idf: true }))).toBeUndefined();
  });

  it("refuses infinite values, and P or R outside [-1, 1] without rescaling", () => {
    expect(refusal(() => checkScores(scores(0.9, 0.9, Infinity), plain))).toMatch(/F1 Infinity/);
    expect(refusal(() => checkScores(scores(-Infinity, 0.9, 0.9), { rescaled: true, idf: false }))).toMatch(/precision -Infinity/);
    expect(refusal(() => checkScores(scores(0.9, 1e38, 0.9), plain))).toMatch(/recall/);
  });

  it("checks F1 as P and R: bounded, and 2PR/(P+R) where no baseline moved it", () => {
    expect(refusal(() => checkScores(scores(0.9, 0.9, 1e30), plain))).toMatch(/F1 1\.0\d*e\+30/);
    expect(refusal(() => checkScores(scores(0.9, 0.9, 1e30), { rescaled: true, idf: false }))).toMatch(/F1 1\.0\d*e\+30/);
    expect(refusal(() => checkScores(scores(0.9, 0.7, 0.1), plain))).toMatch(/F1 0\.1\d* is not 2PR\/\(P\+R\)/);
    expect(refusal(() => checkScores(scores(0.9, 0.7, NaN), plain))).toMatch(/F1 NaN/);
  });

  it("with several references (best P, R and F1 each on its own), checks F1 is at most 2PR/(P+R)", () => {
    const several = { rescaled: false, idf: false, references: [3] };
    expect(refusal(() => checkScores(scores(0.9, 0.7, 0.6), several))).toBeUndefined();
    expect(refusal(() => checkScores(scores(0.9, 0.7, 0.95), several))).toMatch(/is not at most 2PR\/\(P\+R\)/);
  });

  it("refuses NaN where bert_score cannot give it: P or R without idf, F1 beside finite P and R or NaN P", () => {
    expect(refusal(() => checkScores(scores(NaN, 0.8, 0), plain))).toMatch(/precision NaN/);
    expect(refusal(() => checkScores(scores(0.8, NaN, 0), { rescaled: true, idf: false }))).toMatch(/recall NaN/);
    expect(refusal(() => checkScores(scores(NaN, 0.8, 0.7), { rescaled: false, idf: true }))).toMatch(/F1 0\.\d+ where precision or recall is NaN/);
  });
});
