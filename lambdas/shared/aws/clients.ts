/**
 * Every AWS client of the pipeline, for code outside the Lambda bundles (local mode, tests).
 * Lambda code imports the one module it needs (`./dynamodb`, `./sfn`, `./kafka`, `./ses`)
 * so its bundle carries only that SDK client. Endpoints are never configured here: the SDK reads
 * AWS_ENDPOINT_URL_DYNAMODB / _SFN / _KAFKA / _SESV2 itself, which is how the local mode points
 * the same code at the DynamoDB server and the local Step Functions endpoint.
 */
export { documentClient, dynamoDbClient } from './dynamodb';
export { kafkaClient } from './kafka';
export { awsRegion } from './region';
export { sesClient } from './ses';
export { sfnClient } from './sfn';
