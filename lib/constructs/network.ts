import { type CfnResource, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  acknowledgeCheckovFinding,
  acknowledgeCheckovFindings,
  LOG_GROUP_KMS_ACKNOWLEDGEMENT,
} from '../checkov';
import type { AvailabilityZones, StageConfig } from '../config/stages';
import { retentionDays } from './retention';

/**
 * The AWS APIs reached from inside the VPC, each through an interface endpoint, so nothing needs a
 * NAT gateway. Keyed by the construct id of the endpoint; the value says who calls it.
 *
 * KMS has no endpoint on purpose: every KMS call on this path (DynamoDB, SNS, MSK, Lambda
 * environment) is made by the AWS service on the caller's behalf, never by our code.
 */
export const INTERFACE_ENDPOINTS = {
  Sts: {
    service: ec2.InterfaceVpcEndpointAwsService.STS,
    usedBy: 'MSK event source mapping pollers (IAM auth)',
  },
  Lambda: {
    service: ec2.InterfaceVpcEndpointAwsService.LAMBDA,
    usedBy: 'MSK event source mappings invoke functions',
  },
  StepFunctions: {
    service: ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS,
    usedBy: 'checkout StartExecution; services SendTaskSuccess/Failure/Heartbeat',
  },
  Kafka: {
    service: ec2.InterfaceVpcEndpointAwsService.KAFKA,
    usedBy: "producers and checkout's admission control call GetBootstrapBrokers",
  },
  Email: {
    service: ec2.InterfaceVpcEndpointAwsService.EMAIL,
    usedBy: 'notification sends e-mail with the SES v2 API',
  },
  XRay: { service: ec2.InterfaceVpcEndpointAwsService.XRAY, usedBy: 'active tracing of in-VPC functions' },
  CloudWatchLogs: {
    service: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    usedBy: 'SDK and tooling log calls',
  },
  CloudWatchMonitoring: {
    service: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
    usedBy: 'metrics published through the API rather than EMF',
  },
} as const satisfies Record<string, { service: ec2.InterfaceVpcEndpointAwsService; usedBy: string }>;

/** The one subnet group: private, isolated, one subnet per availability zone. */
export const PRIVATE_SUBNET_GROUP = 'private';

export interface PipelineNetworkProps {
  readonly config: StageConfig;
  /**
   * The three zones of the subnets (and so of the brokers), pinned by name.
   * @default the first three zones `Fn::GetAZs` returns in the region the stack is deployed to
   */
  readonly availabilityZones?: AvailabilityZones;
}

/**
 * The first three zones of the deployment region, resolved by CloudFormation (Fn::GetAZs), so the
 * environment-agnostic template works in any region with three zones. An env-agnostic stack's own
 * `availabilityZones` has only two (CDK cannot look zones up without a region), too few for three
 * brokers.
 */
export function deploymentRegionZones(): AvailabilityZones {
  return [0, 1, 2].map((index) => Fn.select(index, Fn.getAzs())) as unknown as AvailabilityZones;
}

/**
 * The pipeline's VPC: exactly three availability zones (pinned, or the region's first three), isolated private
 * subnets only (no NAT, no internet gateway), interface endpoints for every AWS API a function or
 * event source mapping calls, a DynamoDB gateway endpoint, and flow logs.
 */
export class PipelineNetwork extends Construct {
  public readonly vpc: ec2.Vpc;
  /** Attached to every in-VPC function; brokers and endpoints admit it. */
  public readonly lambdaSecurityGroup: ec2.SecurityGroup;
  /** Guards the interface endpoints: HTTPS from inside the VPC only. */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;
  public readonly flowLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineNetworkProps) {
    super(scope, id);
    const { config } = props;
    const availabilityZones = props.availabilityZones ?? deploymentRegionZones();
    if (availabilityZones.length !== 3 || new Set(availabilityZones).size !== 3) {
      throw new Error(
        `The stage '${config.stage}' needs three distinct availability zones, got: ${availabilityZones.join(', ')}`,
      );
    }

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: retentionDays(config.logRetentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeCheckovFinding(this.flowLogGroup.node.defaultChild as CfnResource, [
      LOG_GROUP_KMS_ACKNOWLEDGEMENT,
    ]);

    this.vpc = new ec2.Vpc(this, 'Resource', {
      ipAddresses: ec2.IpAddresses.cidr(config.vpcCidr),
      // Explicit zones keep synthesis free of account lookups and give each broker a zone of its own.
      availabilityZones: [...availabilityZones],
      natGateways: 0,
      subnetConfiguration: [
        { name: PRIVATE_SUBNET_GROUP, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
      ],
      restrictDefaultSecurityGroup: true,
      flowLogs: {
        all: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
          trafficType: ec2.FlowLogTrafficType.ALL,
        },
      },
    });

    // restrictDefaultSecurityGroup adds a CDK-owned custom resource handler at stack level.
    acknowledgeCheckovFindings(
      Stack.of(this),
      {
        resourceType: 'AWS::Lambda::Function',
        where: (resource) => resource.node.path.includes('Custom::VpcRestrictDefaultSG'),
      },
      [
        {
          id: 'CKV_AWS_115',
          reason: 'CDK-owned handler run once per deployment by CloudFormation; nothing to bound.',
        },
        {
          id: 'CKV_AWS_116',
          reason: 'CDK-owned handler invoked synchronously by CloudFormation, which reports its failures.',
        },
        {
          id: 'CKV_AWS_117',
          reason: 'CDK-owned handler that calls only the EC2 API to strip the default security group rules.',
        },
      ],
    );

    this.lambdaSecurityGroup = new ec2.SecurityGroup(this, 'LambdaSecurityGroup', {
      vpc: this.vpc,
      description: 'In-VPC pipeline functions and MSK event source mappings',
      allowAllOutbound: true,
    });

    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface VPC endpoints: HTTPS from inside the VPC',
      allowAllOutbound: false,
    });
    // The VPC CIDR, not only the Lambda group: MSK event source mapping pollers run with the
    // cluster's security group and must reach STS and Lambda too.
    this.endpointSecurityGroup.addIngressRule(
      ec2.Peer.ipv4(config.vpcCidr),
      ec2.Port.tcp(443),
      'HTTPS from inside the VPC',
    );

    const subnets: ec2.SubnetSelection = { subnetGroupName: PRIVATE_SUBNET_GROUP };
    for (const [endpointId, { service }] of Object.entries(INTERFACE_ENDPOINTS)) {
      this.vpc.addInterfaceEndpoint(endpointId, {
        service,
        subnets,
        securityGroups: [this.endpointSecurityGroup],
        privateDnsEnabled: true,
        // The group above already admits the VPC; `open` would add a rule on an unresolved CIDR token.
        open: false,
      });
    }
    this.vpc.addGatewayEndpoint('DynamoDb', {
      service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [subnets],
    });
  }
}
