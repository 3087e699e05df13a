import { lifecycleModelScenarios } from './lifecycle-model.scenarios.js';

lifecycleModelScenarios('standalone', Number(process.env.LIFECYCLE_MODEL_RUNS ?? 150));
