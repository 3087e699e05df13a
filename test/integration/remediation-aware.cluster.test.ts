import { remediationAwareScenarios } from './remediation-aware.scenarios.js';

remediationAwareScenarios('cluster');
