import { stormScenarios } from './storms.scenarios.js';

stormScenarios('standalone');
