import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AppStack } from '../../lib/app-stack';
import { SETTING_ENV_VARS } from '../../lib/config/functions';
import { STAGES } from '../../lib/config/stages';
import { REPOSITORY_ROOT } from '../../lib/constructs/pipeline-function';
import { DataStack } from '../../lib/data-stack';

describe('AppStack (prod): settings that come from the stage config', () => {
  // Prepare
  const config = STAGES.prod;
  const cdkJson = JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  // Bundling skipped: the assertions read properties, not code.
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { ...cdkJson.context, stage: config.stage, 'aws:cdk:bundling-stacks': [] },
  });
  const data = new DataStack(app, 'OrderPipeline-prodtest-Data', { config });
  const template = Template.fromStack(new AppStack(app, 'OrderPipeline-prodtest-App', { config, data }));

  it('logs at INFO and keeps logs for the prod retention', () => {
    // Act
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));

    // Assess
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(
        fn.Properties.Environment.Variables.POWERTOOLS_LOG_LEVEL,
        fn.Properties.Environment.Variables[SETTING_ENV_VARS.pipelineFunction],
      ).toBe('INFO');
      expect(fn.Properties.LoggingConfig.ApplicationLogLevel).toBe('INFO');
    }
    for (const logGroup of logGroups) {
      expect(logGroup.Properties.RetentionInDays).toBe(config.logRetentionDays);
      expect(logGroup.DeletionPolicy).toBe('Retain');
    }
  });

  it('logs only the saga failures, without customer data (e-mail, address, payment token)', () => {
    // Act
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));

    // Assess
    expect(machine.Properties.LoggingConfiguration).toMatchObject({
      Level: 'ERROR',
      IncludeExecutionData: false,
    });
  });

  it('provisions the prod poller range on every mapping', () => {
    for (const mapping of Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))) {
      // Assess
      expect(mapping.Properties.ProvisionedPollerConfig).toEqual({
        MinimumPollers: config.pollers.min,
        MaximumPollers: config.pollers.max,
      });
    }
  });

  it('throttles the API and rate-limits per IP with the prod figures', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: config.apiThrottle.rateLimit,
          ThrottlingBurstLimit: config.apiThrottle.burstLimit,
        },
      ],
    });
    const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL'));
    expect(JSON.stringify(acl!.Properties.Rules)).toContain(`"Limit":${config.wafRateLimitPer5Min}`);
  });

  it('protects the user pool from deletion', () => {
    // Assess
    template.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' });
  });
});
