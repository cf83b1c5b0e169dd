// Fake handler module for container tests: reports what a Lambda handler can see.
let invocations = 0;
const loadedAt = Date.now();

export const handler = async (event, context) => {
  invocations++;
  if (event.crash) throw new TypeError('asked to fail');
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  return {
    invocations,
    loadedAt,
    functionName: context.functionName,
    awsRequestId: context.awsRequestId,
    remainingMs: context.getRemainingTimeInMillis(),
    marker: process.env.MARKER ?? null,
    lambdaName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? null,
  };
};
