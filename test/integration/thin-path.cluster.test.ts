import { thinPathScenarios } from './thin-path.scenarios.js';

thinPathScenarios('cluster');
