import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STAGES } from '../../lib/config/stages';
import { INTERFACE_ENDPOINTS } from '../../lib/constructs/network';
import { synthPipeline } from './synth';

describe('network (data stack)', () => {
  // Prepare
  const { stacks, template: templateOf } = synthPipeline('dev');
  const template = templateOf(stacks.data);
  const config = STAGES.dev;

  it('spans the first three availability zones of the deployment region with isolated subnets only', () => {
    // Act
    const subnets = template.findResources('AWS::EC2::Subnet');

    // Assess
    const zones = Object.values(subnets).map((subnet) => subnet.Properties.AvailabilityZone);
    expect(zones).toEqual([0, 1, 2].map((index) => ({ 'Fn::Select': [index, { 'Fn::GetAZs': '' }] })));
    for (const subnet of Object.values(subnets)) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
    }
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: config.vpcCidr });
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
  });

  it('has an interface endpoint with private DNS in every subnet for each AWS API a function calls', () => {
    // Act
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint'));
    const interfaces = endpoints.filter((endpoint) => endpoint.Properties.VpcEndpointType === 'Interface');

    // Assess
    const serviceNames = interfaces.map((endpoint) => JSON.stringify(endpoint.Properties.ServiceName));
    for (const short of ['sts', 'lambda', 'states', 'kafka', 'email', 'xray', 'logs', 'monitoring']) {
      expect(serviceNames.some((name) => name.includes(`.${short}"`))).toBe(true);
    }
    expect(interfaces).toHaveLength(Object.keys(INTERFACE_ENDPOINTS).length);
    for (const endpoint of interfaces) {
      expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
      expect(endpoint.Properties.SubnetIds).toHaveLength(3);
    }
  });

  it('has a DynamoDB gateway endpoint on the private route tables', () => {
    // Prepare
    const routeTables = Object.keys(template.findResources('AWS::EC2::RouteTable')).map((id) => ({
      Ref: id,
    }));

    // Act
    const gateways = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).filter(
      (endpoint) => endpoint.Properties.VpcEndpointType === 'Gateway',
    );

    // Assess
    expect(gateways).toHaveLength(1);
    expect(JSON.stringify(gateways[0]!.Properties.ServiceName)).toContain('.dynamodb');
    expect(routeTables).toHaveLength(3);
    expect(gateways[0]!.Properties.RouteTableIds).toEqual(expect.arrayContaining(routeTables));
  });

  it('admits only HTTPS from inside the VPC to the endpoints', () => {
    // Assess
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Interface VPC endpoints: HTTPS from inside the VPC',
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: config.vpcCidr, FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
      ],
    });
  });

  it('logs all VPC traffic to a log group with the stage retention', () => {
    // Assess
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: config.logRetentionDays });
  });
});
