/**
 * The CDK integration test (aws-cdk convention: @aws-cdk/integ-tests-alpha + @aws-cdk/integ-runner) of the
 * whole cloud path: deploy the platform with iris, trigger a run through the REST API with SigV4, wait for
 * SUCCEEDED, read the registered model from S3, trigger again and see every step reused, and start the
 * schedule's target as EventBridge Scheduler would.
 *
 * `npm run integ` deploys it to the account of your credentials and destroys it afterwards (docs/deploy.md:
 * cost, teardown). `npm test` only checks the committed snapshot (integ.iris.ts.snapshot/), offline.
 */
import { fileURLToPath } from 'node:url';
import { App, Duration } from 'aws-cdk-lib';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { idempotentRunId } from '../../lib/api/idempotency';
import { PipewrightStack, preparePipeline } from '../../lib/constructs';

const IRIS = fileURLToPath(new URL('../../examples/iris/pipeline.yaml', import.meta.url));
const FIRST = 'integ-first';
const SECOND = 'integ-second';

const app = new App();
const stack = new PipewrightStack(app, 'PipewrightInteg', { pipelines: [await preparePipeline(IRIS)] });
const { platform } = stack;

// The probe: a user of the API inside the account (execute-api:Invoke on the API, read on the store).
const probe = new nodejs.NodejsFunction(stack, 'Probe', {
  entry: fileURLToPath(new URL('./probe.ts', import.meta.url)),
  runtime: lambda.Runtime.NODEJS_24_X,
  timeout: Duration.minutes(1),
  bundling: { forceDockerBundling: false, format: nodejs.OutputFormat.ESM, minify: true, externalModules: [],
    banner: "import { createRequire as __pwCreateRequire } from 'node:module'; const require = __pwCreateRequire(import.meta.url);" },
  environment: { PIPEWRIGHT_API: platform.api.url, PIPEWRIGHT_STORE: `s3://${platform.bucket.bucketName}` },
});
probe.addToRolePolicy(new iam.PolicyStatement({ actions: ['execute-api:Invoke'], resources: [platform.api.arnForExecuteApi()] }));
platform.grantStoreRead(probe);

const integ = new IntegTest(app, 'Iris', { testCases: [stack], diffAssets: false, cdkCommandOptions: { destroy: { args: { force: true } } } });
const call = (payload: Record<string, unknown>) => integ.assertions.invokeFunction({ functionName: probe.functionName, payload: JSON.stringify(payload) });
const wait = { totalTimeout: Duration.minutes(90), interval: Duration.seconds(30) };

// 1. Trigger through the REST API (SigV4) and wait for SUCCEEDED.
const firstRun = idempotentRunId('iris', FIRST);
const trigger = call({ action: 'trigger', pipeline: 'iris', idempotencyKey: FIRST });
trigger.expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp(`"runId":"${firstRun}"`) }));
const succeeded = call({ action: 'status', pipeline: 'iris', runId: firstRun });
succeeded.expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp('"status":"succeeded"') })).waitForAssertions(wait);
// 2. The registered model is in the store.
const model = call({ action: 'model', pipeline: 'iris', runId: firstRun });
model.expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp('"registered":true') }));
// 3. A second run reuses every step.
const secondRun = idempotentRunId('iris', SECOND);
const again = call({ action: 'trigger', pipeline: 'iris', idempotencyKey: SECOND });
const reused = call({ action: 'status', pipeline: 'iris', runId: secondRun });
reused.expect(ExpectedResult.objectLike({ Payload: Match.stringLikeRegexp('"allReused":true') })).waitForAssertions(wait);
// 4. The schedule's target, started the way EventBridge Scheduler starts it (its ARN and input).
const schedule = Object.values(stack.pipelines.iris.schedules)[0];
const scheduled = integ.assertions.awsApiCall('SFN', 'startExecution', {
  stateMachineArn: schedule.target instanceof Object ? (schedule.target as { arn: string }).arn : '',
  input: (schedule.target as { input?: string }).input,
});
scheduled.provider.addToRolePolicy({ Effect: 'Allow', Action: ['states:StartExecution'], Resource: [stack.pipelines.iris.stateMachine.stateMachineArn] });
const scheduledDone = integ.assertions.awsApiCall('SFN', 'describeExecution', { executionArn: scheduled.getAttString('executionArn') });
scheduledDone.provider.addToRolePolicy({ Effect: 'Allow', Action: ['states:DescribeExecution'], Resource: ['*'] });
scheduledDone.expect(ExpectedResult.objectLike({ status: 'SUCCEEDED' })).waitForAssertions(wait);

trigger.next(succeeded).next(model).next(again).next(reused).next(scheduled).next(scheduledDone);

app.synth();
