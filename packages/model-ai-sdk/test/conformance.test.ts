import { describeModelAdapter } from '@agentrt/testing';
import { anthropicSuite, openaiSuite } from './suite.js';

describeModelAdapter(openaiSuite);
describeModelAdapter(anthropicSuite);
