// Canary limits for tests whose good canaries must promote on a busy 2-core host, where a limit a
// good canary can miss by chance or by the host's speed would make the test flaky.
export const steadyCanaryPolicy = {
  // Enough requests that the class-mix test below has power; bakes extend until they arrive.
  minRequests: 40,
  maxExtensions: 15,
  // The class-mix check (a chi-square homogeneity test, calibrated) rolls an identical model back
  // in about 1 analysis in 10 million at this p; a constant-class model with 40 requests against
  // the breast-cancer mix gives p below 2e-9 even at a 50% step, so it is still caught.
  predictionDivergencePValue: 1e-7,
  // Latency is judged only where a test is about it (the slow model's): a loaded host stalls some
  // requests by tens of milliseconds, and 40 canary requests can catch two stalls that stable's p95
  // does not.
  maxLatencyRatio: 1000,
  minLatencyDeltaMs: 60_000,
};
