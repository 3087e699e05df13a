import { remediationAwareScenarios } from './remediation-aware.scenarios.js';

remediationAwareScenarios('standalone');
