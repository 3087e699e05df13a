import { thinPathScenarios } from './thin-path.scenarios.js';

thinPathScenarios('standalone');
