import { describeModelAdapter } from '@agentrt/testing';
import { suite } from './suite.js';

describeModelAdapter(suite);
