import { lifecycleModelScenarios } from './lifecycle-model.scenarios.js';

lifecycleModelScenarios('cluster', Number(process.env.LIFECYCLE_MODEL_RUNS ?? 60));
