/** Public names of the fixture models (test/fixtures/model-repository) and the env that makes them the defaults. */
export const FIXTURE_MODELS = {
  embed: "tiny-bert",
  bertscore: "tiny-roberta",
  bertscoreBert: "tiny-bert",
  /** The `hub_id` parameters of their configs (made up: the tiny models are not on the hub). */
  embedHubId: "gpu-bridge-fixtures/tiny-bert",
  bertscoreHubId: "gpu-bridge-fixtures/tiny-roberta",
} as const;

export const FIXTURE_ENV = {
  MODEL_EMBED: FIXTURE_MODELS.embed,
  MODEL_BERTSCORE: FIXTURE_MODELS.bertscore,
  MAX_BODY_BYTES: "65536",
  LOG_REQUESTS: "false",
} as const;
