#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { stageConfig } from '../lib/config/stages';
import { addNagChecks } from '../lib/nag';
import { addPipelineStacks } from '../lib/pipeline-stacks';

const app = new App();
addPipelineStacks(app, stageConfig(app.node.tryGetContext('stage')));
addNagChecks(app);
