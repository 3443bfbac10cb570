/**
 * A MOCK of the six AWS APIs `pipewright preflight` calls, on loopback: SSM GetParameter and ECR DescribeImages
 * and Service Quotas GetServiceQuota (awsJson1_1), CloudFormation DescribeStacks (awsQuery), API Gateway
 * GetAccount (restJson) and EC2 DescribeInstanceTypeOfferings (ec2Query). A mock, because no offline emulator
 * covers them (moto's CloudFormation and API Gateway are incomplete); it answers from a fixed account state.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The account the mock describes. */
export interface MockAccount {
  /** `/cdk-bootstrap/hnb659fds/version`, or undefined when absent. */
  bootstrapVersion?: string;
  /** Whether the CDKToolkit stack exists. */
  toolkitStack: boolean;
  apiGatewayRoleArn?: string;
  /** `<repository>:<tag>` images present; a repository with no images is `<repository>:`. */
  images: string[];
  gpuQuotaVcpus: number;
  gpuInstanceTypes: string[];
}

export class MockAccountApis {
  endpoint = '';
  /** Every call received, as `<service>.<operation>`. */
  readonly calls: string[] = [];
  private server?: Server;

  constructor(public account: MockAccount) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const reply = (status: number, type: string, text: string) => {
          res.writeHead(status, { 'content-type': type });
          res.end(text);
        };
        const json = (status: number, value: unknown) => reply(status, 'application/x-amz-json-1.1', JSON.stringify(value));
        const target = String(req.headers['x-amz-target'] ?? '');
        const a = this.account;
        if (target === 'AmazonSSM.GetParameter') {
          this.calls.push('ssm.GetParameter');
          const { Name } = JSON.parse(body) as { Name: string };
          if (a.bootstrapVersion === undefined) return json(400, { __type: 'ParameterNotFound', message: `${Name} not found` });
          return json(200, { Parameter: { Name, Type: 'String', Value: a.bootstrapVersion, Version: 1 } });
        }
        if (target === 'AmazonEC2ContainerRegistry_V20150921.DescribeImages') {
          this.calls.push('ecr.DescribeImages');
          const { repositoryName, imageIds } = JSON.parse(body) as { repositoryName: string; imageIds: Array<{ imageTag: string }> };
          if (!a.images.some((i) => i.startsWith(`${repositoryName}:`))) {
            return json(400, { __type: 'RepositoryNotFoundException', message: `The repository '${repositoryName}' does not exist` });
          }
          if (!a.images.includes(`${repositoryName}:${imageIds[0].imageTag}`)) {
            return json(400, { __type: 'ImageNotFoundException', message: 'The image requested does not exist' });
          }
          return json(200, { imageDetails: [{ repositoryName, imageTags: [imageIds[0].imageTag] }] });
        }
        if (target === 'ServiceQuotasV20190624.GetServiceQuota') {
          this.calls.push('servicequotas.GetServiceQuota');
          const { QuotaCode } = JSON.parse(body) as { QuotaCode: string };
          return json(200, { Quota: { ServiceCode: 'ec2', QuotaCode, Value: a.gpuQuotaVcpus } });
        }
        if (req.method === 'GET' && req.url?.startsWith('/account')) {
          this.calls.push('apigateway.GetAccount');
          return reply(200, 'application/json', JSON.stringify(a.apiGatewayRoleArn ? { cloudwatchRoleArn: a.apiGatewayRoleArn } : {}));
        }
        const form = new URLSearchParams(body);
        if (form.get('Action') === 'DescribeStacks') {
          this.calls.push('cloudformation.DescribeStacks');
          if (!a.toolkitStack) {
            return reply(
              400,
              'text/xml',
              '<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id CDKToolkit does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>',
            );
          }
          return reply(
            200,
            'text/xml',
            '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>' +
              '<StackName>CDKToolkit</StackName><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime>' +
              '</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>',
          );
        }
        if (form.get('Action') === 'DescribeInstanceTypeOfferings') {
          this.calls.push('ec2.DescribeInstanceTypeOfferings');
          const items = a.gpuInstanceTypes
            .map((t) => `<item><instanceType>${t}</instanceType><locationType>region</locationType><location>eu-west-1</location></item>`)
            .join('');
          return reply(
            200,
            'text/xml',
            `<DescribeInstanceTypeOfferingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><instanceTypeOfferingSet>${items}</instanceTypeOfferingSet></DescribeInstanceTypeOfferingsResponse>`,
          );
        }
        reply(400, 'application/json', JSON.stringify({ __type: 'UnknownOperationException', message: `the mock does not implement ${target || req.url}` }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
