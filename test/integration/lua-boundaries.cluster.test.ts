import { luaBoundaryScenarios } from './lua-boundaries.scenarios.js';

luaBoundaryScenarios('cluster');
